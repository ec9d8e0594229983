// Call transfers in the engine (R-TR-2, R-TR-3, R-TR-4).
#include "phone_fixture.h"

using namespace contactd::test;

namespace {

// ana is on a call in Sales (30 s transfer timeout); bob is free with his phone.
struct Transfers : Phones {
  InteractionId id{};
  Transfers() {
    connect_phone(ana);
    id = answered_call(ana);
    connect_phone(bob);
  }
  Outcome transfer(UserId to_agent, bool attended = false) {
    TransferInteraction t{id, to_agent};
    t.attended = attended;
    return as(ana, t);
  }
};

}  // namespace

TEST_CASE("R-TR-2 a blind call transfer rings the target's phone while the caller hears music, and answering makes "
          "the target the owner") {
  Transfers d;
  auto o = d.transfer(d.bob);
  REQUIRE(o.ok());
  const auto* step = find_effect<TransferCall>(o);
  REQUIRE(step);
  CHECK(step->step == TransferStep::ring_agent);
  CHECK(step->target == d.bob);
  CHECK(step->contact == "sip:phone@127.0.0.1:5070");
  CHECK_FALSE(step->attended);
  CHECK(d.ringing(d.id) == std::vector<UserId>{d.bob});
  CHECK(d.owner(d.id) == d.ana);  // hers until bob answers
  // R-TR-2: one transfer at a time, and no other call action meanwhile.
  CHECK(d.transfer(d.bob).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, HoldCall{d.id, true}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, HangUp{d.id}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.bob, AcceptTransfer{d.id}).error->code == ErrorCode::failed_precondition);  // calls are answered
  auto answered = d.answer(d.id, d.bob);
  REQUIRE(answered.ok());
  CHECK(find_effect<TransferCall>(answered)->step == TransferStep::complete);
  const auto* assigned = find_event<InteractionAssigned>(answered);
  REQUIRE(assigned);
  CHECK(assigned->agent == d.bob);
  CHECK(assigned->how == AssignHow::transfer);
  CHECK(d.owner(d.id) == d.bob);
  CHECK_FALSE(d.at(d.id).transfer);
  CHECK(d.engine.find_user(d.ana)->active[index(Channel::phone)] == 0);
  CHECK(d.engine.find_user(d.bob)->ringing == 0);
}

TEST_CASE("R-TR-2 attended: the owner consults the target, other transfer actions wait, then completes") {
  Transfers d;
  REQUIRE(d.transfer(d.bob, true).ok());
  auto consulting = d.answer(d.id, d.bob);
  REQUIRE(consulting.ok());
  REQUIRE(find_event<ConsultationStarted>(consulting));
  CHECK_FALSE(find_event<InteractionAssigned>(consulting));
  CHECK(d.at(d.id).transfer->consulting);
  // The consultation has no deadline: the owner decides.
  d.clock.advance(60s);
  CHECK_FALSE(find_event<TransferTimedOut>(d.engine.tick(d.clock.now())));
  CHECK(d.transfer(d.bob).error->code == ErrorCode::failed_precondition);  // the consultation lock
  CHECK(d.as(d.bob, CompleteTransfer{d.id}).error->code == ErrorCode::permission_denied);
  auto done = d.as(d.ana, CompleteTransfer{d.id});
  REQUIRE(done.ok());
  CHECK(find_effect<TransferCall>(done)->step == TransferStep::complete);
  CHECK(d.owner(d.id) == d.bob);
  CHECK(d.as(d.bob, CompleteTransfer{d.id}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-TR-2 attended: cancelling, or the target's phone refusing, gives the call back to its owner") {
  Transfers d;
  REQUIRE(d.transfer(d.bob, true).ok());
  CHECK(d.as(d.ana, CompleteTransfer{d.id}).error->code == ErrorCode::failed_precondition);  // not consulting yet
  REQUIRE(d.answer(d.id, d.bob).ok());
  auto cancelled = d.as(d.ana, CancelTransfer{d.id});
  REQUIRE(cancelled.ok());
  CHECK(find_event<TransferCancelled>(cancelled)->by == d.ana);
  CHECK(find_effect<TransferCall>(cancelled)->step == TransferStep::back);
  CHECK(d.owner(d.id) == d.ana);
  CHECK_FALSE(d.at(d.id).transfer);
  REQUIRE(d.transfer(d.bob).ok());
  auto refused = d.system(CallNotAnswered{d.id, d.bob});
  REQUIRE(refused.ok());
  CHECK(find_event<TransferCancelled>(refused)->by == kNoUser);
  CHECK(d.owner(d.id) == d.ana);
  CHECK(d.as(d.ana, HoldCall{d.id, true}).ok());  // hers to act on again
}

TEST_CASE("R-TR-4 a call transfer nobody answers returns to its owner at the transfer timeout") {
  Transfers d;
  auto s = d.engine.find_campaign(d.sales)->settings;
  REQUIRE(d.transfer(d.bob).ok());
  d.clock.advance(s.transfer_timeout);
  auto o = d.engine.tick(d.clock.now());
  const auto* timed_out = find_event<TransferTimedOut>(o);
  REQUIRE(timed_out);
  CHECK(timed_out->returned_to == d.ana);
  CHECK(find_effect<TransferCall>(o)->step == TransferStep::back);
  CHECK(d.owner(d.id) == d.ana);
  CHECK(d.ringing(d.id).empty());
  CHECK(d.engine.find_user(d.bob)->ringing == 0);
  CHECK(d.answer(d.id, d.bob).error->code == ErrorCode::failed_precondition);  // too late
}

TEST_CASE("R-TR-3 a call goes only to an available agent with a free phone") {
  Transfers d;
  CHECK(d.transfer(d.ana).error->code == ErrorCode::invalid_argument);
  CHECK(d.transfer(9999).error->code == ErrorCode::not_found);
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  CHECK(d.transfer(d.bob).error->code == ErrorCode::failed_precondition);
  REQUIRE(d.system(ClearStatus{d.bob}).ok());
  REQUIRE(d.system(UnregisterPhone{d.bob}).ok());
  CHECK(d.transfer(d.bob).error->code == ErrorCode::failed_precondition);
  TransferInteraction two{d.id, d.bob, d.sales};
  CHECK(d.as(d.ana, two).error->code == ErrorCode::invalid_argument);
  TransferInteraction attended_queue{d.id, kNoUser, d.sales};
  attended_queue.attended = true;
  CHECK(d.as(d.ana, attended_queue).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("R-TR-2 R-TR-4 a call sent to a campaign waits in its queue, its agents' phones ring, and at the timeout it "
          "rings its owner again") {
  Transfers d;
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());  // nobody in Finance takes it
  auto f = d.engine.find_campaign(d.finance)->settings;
  f.channels[index(Channel::phone)] = ChannelSettings{true, Provider::sip_trunk};
  f.strategy = Strategy::longest_idle;
  d.configure(d.finance, f);
  TransferInteraction t{d.id, kNoUser, d.finance};
  auto o = d.as(d.ana, t);
  REQUIRE(o.ok());
  CHECK(find_effect<TransferCall>(o)->step == TransferStep::to_queue);
  CHECK(d.at(d.id).state == InteractionState::pending);
  CHECK(d.at(d.id).campaign == d.finance);
  d.clock.advance(d.engine.find_campaign(d.sales)->settings.transfer_timeout);
  auto back = d.engine.tick(d.clock.now());
  REQUIRE(find_event<TransferTimedOut>(back));
  CHECK(d.at(d.id).campaign == d.sales);
  CHECK(d.ringing(d.id) == std::vector<UserId>{d.ana});  // her phone rings with it
  REQUIRE(d.answer(d.id, d.ana).ok());
  CHECK(find_event<InteractionAssigned>(d.answer(d.id, d.ana)) == nullptr);
  CHECK(d.owner(d.id) == d.ana);
}

TEST_CASE("R-TR-2 a call sent to an external number leaves the center: the interaction finishes") {
  Transfers d;
  TransferInteraction t{d.id};
  t.to_number = "+1 (555) 010-9999";
  auto o = d.as(d.ana, t);
  REQUIRE(o.ok());
  const auto* step = find_effect<TransferCall>(o);
  REQUIRE(step);
  CHECK(step->step == TransferStep::to_number);
  CHECK(step->number == "15550109999");
  CHECK(find_event<TransferRequested>(o)->to_number == "15550109999");
  CHECK(d.at(d.id).state == InteractionState::finished);
  TransferInteraction bad{d.answered_call(d.ana)};  // she is free again: no wrap-up here
  bad.to_number = "12";
  CHECK(d.as(d.ana, bad).error->code == ErrorCode::invalid_argument);
  // Text never goes to a number (R-TR-1).
  const auto chat = d.open(d.sales);
  TransferInteraction text{chat};
  text.to_number = "15550109999";
  CHECK(d.as(d.engine.find_interaction(chat)->owner, text).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("R-TR-4 one event per outcome: a call transfer that times out is transfer_timed_out, never also transfer_cancelled") {
  Transfers d;
  auto s = d.engine.find_campaign(d.sales)->settings;
  REQUIRE(d.transfer(d.bob).ok());
  d.clock.advance(s.transfer_timeout);
  auto o = d.engine.tick(d.clock.now());
  CHECK(count_events<TransferTimedOut>(o) == 1);
  CHECK(count_events<TransferCancelled>(o) == 0);
  CHECK_FALSE(d.engine.find_interaction(d.id)->transfer);
}
