// Inbound calls in the engine (issue 5): ringing, rotation, ring-all, "No
// answer", abandoned calls, and the agent's actions on a connected call.
#include "phone_fixture.h"

using namespace contactd::test;

namespace {

// Sales with ana and bob on registered phones, 10 s ring timeout, 2 misses
// in a row for "No answer".
struct Calls : Phones {
  explicit Calls(Strategy strategy = Strategy::longest_idle) {
    auto s = engine.find_campaign(sales)->settings;
    s.strategy = strategy;
    s.ring_timeout = 10s;
    s.missed_calls_limit = 2;
    s.hold_music = "sales.wav";
    configure(sales, s);
    connect_phone(ana);
    clock.advance(1s);  // bob idles for less time: ana is offered calls first
    connect_phone(bob);
  }
  Outcome ring_out() {
    clock.advance(10s);
    return engine.tick(clock.now());
  }
};

}  // namespace

TEST_CASE("R-IN-3 R-IN-5 a queued call rings the phone of the agent the strategy picks, and answering assigns it") {
  Calls d;
  auto o = d.system(OpenInteraction{d.sales, Channel::phone, "+5511999990000", 0});
  REQUIRE(o.ok());
  const auto id = std::get<CreatedReply>(o.reply).id;
  const auto* offered = find_event<CallOffered>(o);
  REQUIRE(offered);
  CHECK(offered->agents == std::vector<UserId>{d.ana});
  CHECK(offered->until == d.clock.now() + 10s);
  const auto* ring = find_effect<RingPhones>(o);
  REQUIRE(ring);
  CHECK(ring->customer == "+5511999990000");
  REQUIRE(ring->targets.size() == 1);
  CHECK(ring->targets[0].agent == d.ana);
  CHECK(ring->targets[0].contact == "sip:phone@127.0.0.1:5070");
  CHECK_FALSE(find_event<InteractionAssigned>(o));
  CHECK(d.at(id).state == InteractionState::pending);  // ringing is not owning
  CHECK(d.engine.snapshot(d.bob).pending_total == 1);  // members still see it waiting
  CHECK(d.engine.next_deadline() == d.clock.now() + 10s);

  // Ringing, ana is busy for calls: the next call rings bob.
  const auto second = d.call("+5511888880000");
  CHECK(d.ringing(second) == std::vector<UserId>{d.bob});

  d.clock.advance(3s);
  auto answered = d.answer(id, d.ana);
  REQUIRE(answered.ok());
  const auto* assigned = find_event<InteractionAssigned>(answered);
  REQUIRE(assigned);
  CHECK(assigned->agent == d.ana);
  CHECK(assigned->how == AssignHow::automatic);
  CHECK(assigned->strategy == Strategy::longest_idle);
  CHECK(d.owner(id) == d.ana);
  CHECK(d.at(id).state == InteractionState::active);
  CHECK_FALSE(find_effect<StopRinging>(answered));  // nobody else rang
  CHECK(d.engine.find_user(d.ana)->ringing == 0);
  // An answer that comes too late or from the wrong phone changes nothing.
  CHECK(d.answer(id, d.ana).error->code == ErrorCode::failed_precondition);
  CHECK(d.answer(second, d.ana).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, CallAnswered{second, d.bob}).error->code == ErrorCode::permission_denied);
  CHECK(d.answer(9999, d.ana).error->code == ErrorCode::not_found);
}

TEST_CASE("R-IN-3 no answer within the ring timeout moves the call to the next agent, then round again") {
  Calls d;
  const auto id = d.call();
  REQUIRE(d.ringing(id) == std::vector<UserId>{d.ana});
  d.clock.advance(9999ms);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  d.clock.advance(1ms);
  auto o = d.engine.tick(d.clock.now());
  const auto* missed = find_event<CallMissed>(o);
  REQUIRE(missed);
  CHECK(missed->agents == std::vector<UserId>{d.ana});
  const auto* stop = find_effect<StopRinging>(o);
  REQUIRE(stop);
  CHECK(stop->agents == std::vector<UserId>{d.ana});
  CHECK(d.ringing(id) == std::vector<UserId>{d.bob});  // ana is still the longest idle, but missed it
  // bob lets it ring out too: everyone eligible has missed it, so ana again.
  d.ring_out();
  CHECK(d.ringing(id) == std::vector<UserId>{d.ana});
  REQUIRE(d.answer(id, d.ana).ok());
  CHECK(d.owner(id) == d.ana);
}

TEST_CASE("R-IN-3 a declined or unreachable phone is a miss at once") {
  Calls d;
  const auto id = d.call();
  CHECK(d.as(d.ana, CallNotAnswered{id, d.ana}).error->code == ErrorCode::permission_denied);
  auto o = d.system(CallNotAnswered{id, d.ana});
  REQUIRE(o.ok());
  REQUIRE(find_event<CallMissed>(o));
  CHECK_FALSE(find_effect<StopRinging>(o));  // that phone already stopped
  CHECK(d.ringing(id) == std::vector<UserId>{d.bob});
  CHECK(d.system(CallNotAnswered{id, d.ana}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("an agent who lets missed_calls_limit calls in a row ring out gets the No answer status, and is offered no more") {
  Calls d;
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  const auto id = d.call();
  auto first = d.ring_out();
  CHECK_FALSE(find_event<AgentStatusChanged>(first));
  CHECK(d.ringing(id) == std::vector<UserId>{d.ana});  // a new round: she is the only one
  auto second = d.ring_out();
  const auto* defined = find_event<StatusDefined>(second);
  REQUIRE(defined);
  CHECK(defined->name == "No answer");
  const auto* status = find_event<AgentStatusChanged>(second);
  REQUIRE(status);
  CHECK(status->user == d.ana);
  CHECK(status->status == defined->status);
  CHECK(status->changed_by == kNoUser);
  CHECK(d.ringing(id).empty());
  CHECK(d.at(id).state == InteractionState::pending);  // waits in the queue
  CHECK(d.engine.snapshot(d.bob).pending_total == 1);
  // Clearing the status makes her eligible: it rings again. A later "No answer" reuses the status.
  auto cleared = d.as(d.ana, ClearStatus{});
  REQUIRE(find_event<CallOffered>(cleared));
  d.ring_out();
  auto again = d.ring_out();
  CHECK_FALSE(find_event<StatusDefined>(again));
  REQUIRE(find_event<AgentStatusChanged>(again));
}

TEST_CASE("an answered call resets the agent's run of missed calls") {
  Calls d;
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  const auto first = d.call();
  d.ring_out();  // one miss
  REQUIRE(d.answer(first, d.ana).ok());
  REQUIRE(d.system(CallEnded{first}).ok());
  const auto second = d.call();
  auto o = d.ring_out();  // one miss again, not two in a row
  CHECK_FALSE(find_event<AgentStatusChanged>(o));
  CHECK(d.ringing(second) == std::vector<UserId>{d.ana});
}

TEST_CASE("R-IN-3 ring-all rings every eligible agent, the first answer wins and the other phones stop") {
  Calls d(Strategy::ring_all);
  auto o = d.system(OpenInteraction{d.sales, Channel::phone, "+5511999990000", 0});
  const auto id = std::get<CreatedReply>(o.reply).id;
  const auto* ring = find_effect<RingPhones>(o);
  REQUIRE(ring);
  CHECK(ring->targets.size() == 2);
  CHECK(d.ringing(id) == std::vector<UserId>{d.ana, d.bob});
  auto answered = d.answer(id, d.bob);
  REQUIRE(answered.ok());
  const auto* stop = find_effect<StopRinging>(answered);
  REQUIRE(stop);
  CHECK(stop->agents == std::vector<UserId>{d.ana});
  CHECK(find_event<InteractionAssigned>(answered)->candidates == 2);
  CHECK(d.owner(id) == d.bob);
  CHECK(d.answer(id, d.ana).error->code == ErrorCode::failed_precondition);  // lost the race
  // ana is free again: the next call rings her alone (bob is on a call).
  const auto next = d.call();
  CHECK(d.ringing(next) == std::vector<UserId>{d.ana});
}

TEST_CASE("R-IN-3 ring-all goes on ringing the others when one phone declines, and misses them all at the timeout") {
  Calls d(Strategy::ring_all);
  const auto id = d.call();
  REQUIRE(d.system(CallNotAnswered{id, d.ana}).ok());
  CHECK(d.ringing(id) == std::vector<UserId>{d.bob});
  auto o = d.ring_out();
  REQUIRE(find_event<CallMissed>(o));
  CHECK(d.ringing(id) == std::vector<UserId>{d.ana, d.bob});  // a new round for everyone
}

TEST_CASE("the caller hanging up while queued or ringing abandons the call") {
  Calls d;
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  const auto ringing = d.call();
  const auto queued = d.call("+5511888880000");
  REQUIRE(d.ringing(ringing) == std::vector<UserId>{d.ana});
  REQUIRE(d.ringing(queued).empty());
  auto o = d.system(CallEnded{queued});
  REQUIRE(o.ok());
  const auto* abandoned = find_event<CallAbandoned>(o);
  REQUIRE(abandoned);
  CHECK(abandoned->campaign == d.sales);
  CHECK(d.sees(d.bob, o.events[0]));  // the campaign's members watch the queue
  CHECK_FALSE(d.engine.find_interaction(queued));
  auto gone = d.system(CallEnded{ringing});
  REQUIRE(find_event<CallAbandoned>(gone));
  const auto* stop = find_effect<StopRinging>(gone);
  REQUIRE(stop);
  CHECK(stop->agents == std::vector<UserId>{d.ana});
  CHECK(d.engine.find_user(d.ana)->ringing == 0);
  CHECK_FALSE(d.engine.next_deadline() < d.clock.now() + 11s);  // no ring deadline left behind
  CHECK(d.engine.snapshot(d.ana).pending_total == 0);
  CHECK(d.ringing(d.call()) == std::vector<UserId>{d.ana});  // she is offered the next one
}

TEST_CASE("R-IN-2 taking a queued call rings the taker's phone") {
  Calls d(Strategy::manual);
  const auto id = d.call();
  CHECK(d.ringing(id).empty());  // manual: waits to be taken
  d.connect(d.carla);
  CHECK(d.as(d.carla, Take{id}).error->code == ErrorCode::permission_denied);  // not a member
  auto o = d.as(d.ana, Take{id});
  REQUIRE(o.ok());
  CHECK(d.ringing(id) == std::vector<UserId>{d.ana});
  CHECK(d.as(d.bob, Take{id}).error->code == ErrorCode::failed_precondition);  // already ringing for ana
  REQUIRE(d.answer(id, d.ana).ok());
  CHECK(d.as(d.ana, Take{d.call()}).error->code == ErrorCode::failed_precondition);  // already on a call
  // Without a phone nobody can take a call.
  REQUIRE(d.system(UnregisterPhone{d.bob}).ok());
  CHECK(d.as(d.bob, Take{d.call()}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-PH-1 R-PH-2 R-PH-3 R-PH-6 hold, mute, digits and hang-up on a connected call become phone-module effects") {
  Calls d;
  const auto id = d.answered_call(d.ana);
  auto held = d.as(d.ana, HoldCall{id, true});
  REQUIRE(held.ok());
  REQUIRE(find_event<CallHeld>(held));
  CHECK(find_event<CallHeld>(held)->held);
  const auto* hold = find_effect<ControlCall>(held);
  REQUIRE(hold);
  CHECK(hold->action == CallAction::hold);
  CHECK(hold->hold_music == "sales.wav");
  CHECK(d.at(id).call.held);
  CHECK(d.as(d.ana, HoldCall{id, true}).error->code == ErrorCode::failed_precondition);
  CHECK(find_effect<ControlCall>(d.as(d.ana, HoldCall{id, false}))->action == CallAction::resume);
  CHECK(find_effect<ControlCall>(d.as(d.ana, MuteCall{id, true}))->action == CallAction::mute);
  CHECK(d.as(d.ana, MuteCall{id, true}).error->code == ErrorCode::failed_precondition);
  CHECK(find_effect<ControlCall>(d.as(d.ana, MuteCall{id, false}))->action == CallAction::unmute);
  auto digits = d.as(d.ana, SendDigits{id, "12*#A"});
  REQUIRE(digits.ok());
  CHECK(find_effect<ControlCall>(digits)->digits == "12*#A");
  CHECK(find_event<DigitsSent>(digits)->count == 5);  // never the digits themselves
  CHECK(d.as(d.ana, SendDigits{id, ""}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SendDigits{id, "12x"}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SendDigits{id, std::string(33, '1')}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.bob, HoldCall{id, true}).error->code == ErrorCode::permission_denied);
  auto hang = d.as(d.ana, HangUp{id});
  REQUIRE(hang.ok());
  CHECK(find_effect<ControlCall>(hang)->action == CallAction::hang_up);
  CHECK(d.at(id).state == InteractionState::active);  // finished when the phone module reports the end
  auto ended = d.system(CallEnded{id, d.ana});
  CHECK(find_event<InteractionFinished>(ended)->by == d.ana);
  CHECK(d.as(d.ana, HoldCall{id, true}).error->code == ErrorCode::failed_precondition);  // over
}

TEST_CASE("phone actions are refused on text interactions and on calls not yet connected") {
  Calls d;
  const auto chat = d.open(d.sales);
  REQUIRE(d.owner(chat) == d.ana);
  CHECK(d.as(d.ana, HoldCall{chat, true}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, SendDigits{chat, "1"}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, HangUp{chat}).error->code == ErrorCode::failed_precondition);
  const auto ringing = d.call();
  CHECK(d.as(d.ana, MuteCall{ringing, true}).error->code == ErrorCode::permission_denied);  // not hers yet
  CHECK(d.as(d.ana, HangUp{9999}).error->code == ErrorCode::not_found);
}

TEST_CASE("ResetCalls ends every call of before a restart: queued and ringing ones abandoned, connected ones finished") {
  Calls d;
  d.clock.advance(1s);
  const auto connected = d.answered_call(d.ana);
  const auto ringing = d.call("+5511777770000");
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  const auto queued = d.call("+5511666660000");
  REQUIRE(d.ringing(ringing) == std::vector<UserId>{d.bob});
  REQUIRE(d.ringing(queued).empty());
  const auto chat = d.open(d.sales);
  CHECK(d.as(d.ana, ResetCalls{}).error->code == ErrorCode::permission_denied);
  auto o = d.system(ResetCalls{});
  REQUIRE(o.ok());
  CHECK(count_events<CallAbandoned>(o) == 2);
  CHECK(d.at(connected).state == InteractionState::finished);
  CHECK_FALSE(d.engine.find_interaction(ringing));
  CHECK_FALSE(d.engine.find_interaction(queued));
  CHECK(d.at(chat).state == InteractionState::active);  // text is untouched
  CHECK(d.system(ResetCalls{}).events.empty());
}

TEST_CASE("a campaign's phone number is validated and unique among campaigns") {
  Calls d;
  auto s = d.engine.find_campaign(d.sales)->settings;
  s.phone_number = "+1 555";
  CHECK(d.system(UpdateCampaign{d.sales, s}).error->code == ErrorCode::invalid_argument);
  s.phone_number = "5550100";
  REQUIRE(d.system(UpdateCampaign{d.sales, s}).ok());
  CHECK(d.engine.find_campaign_by_number("5550100")->id == d.sales);
  CHECK_FALSE(d.engine.find_campaign_by_number("5550101"));
  CHECK_FALSE(d.engine.find_campaign_by_number(""));
  auto f = d.engine.find_campaign(d.finance)->settings;
  f.phone_number = "5550100";
  CHECK(d.system(UpdateCampaign{d.finance, f}).error->code == ErrorCode::already_exists);
  CHECK(d.system(CreateCampaign{"Support", f}).error->code == ErrorCode::already_exists);
  s.ring_timeout = 500ms;
  CHECK(d.system(UpdateCampaign{d.sales, s}).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("R-OUT-2 starting a phone interaction places the call from the agent's phone, which must be registered") {
  Calls d;
  REQUIRE(d.system(SetMembership{d.ana, d.sales, true, 0, ChannelSet{}.set(index(Channel::phone))}).ok());
  auto o = d.as(d.ana, StartInteraction{d.sales, Channel::phone, "+55 (11) 5555-0100", "", {}});
  REQUIRE(o.ok());
  const auto id = std::get<CreatedReply>(o.reply).id;
  const auto* place = find_effect<PlaceCall>(o);
  REQUIRE(place);
  CHECK(place->customer == "551155550100");
  CHECK(place->agent == d.ana);
  CHECK(place->contact == "sip:phone@127.0.0.1:5070");
  CHECK(place->ring_timeout == 10s);
  CHECK(d.owner(id) == d.ana);
  CHECK(d.at(id).direction == Direction::outbound);
  CHECK_FALSE(find_event<MessagePosted>(o));
  // One call at a time; no text on a call; a number of at least 5 digits.
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::phone, "5555-0101", "", {}}).error->code ==
        ErrorCode::failed_precondition);
  auto failed = d.system(CallEnded{id, kNoUser, CallEndReason::busy});
  REQUIRE(failed.ok());
  CHECK(find_event<InteractionFinished>(failed)->reason == CallEndReason::busy);
  CHECK(count_events<CallFailed>(failed) == 0);  // one event per outcome
  CHECK(d.at(id).state == InteractionState::finished);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::phone, "5555-0101", "hello", {}}).error->code ==
        ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::phone, "12-34", "", {}}).error->code ==
        ErrorCode::invalid_argument);
  REQUIRE(d.system(UnregisterPhone{d.ana}).ok());
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::phone, "5555-0101", "", {}}).error->code ==
        ErrorCode::failed_precondition);
}

TEST_CASE("only an outbound call fails to connect: an inbound call ends with a failure reason refused") {
  Calls d;
  const auto id = d.answered_call(d.ana);
  CHECK(d.system(CallEnded{id, kNoUser, CallEndReason::no_answer}).error->code == ErrorCode::invalid_argument);
  CHECK(d.at(id).state == InteractionState::active);
}

TEST_CASE("R-SEC a caller silent past the media inactivity timeout ends the call with that reason in history") {
  Calls d;
  const auto id = d.answered_call(d.ana);
  auto o = d.system(CallEnded{id, kNoUser, CallEndReason::media_timeout});
  REQUIRE(o.ok());
  REQUIRE(find_event<InteractionFinished>(o));
  CHECK(find_event<InteractionFinished>(o)->reason == CallEndReason::media_timeout);
  CHECK(count_events<CallFailed>(o) == 0);
  CHECK(d.at(id).state == InteractionState::finished);
  // Silent while still queued: the caller is gone, the call abandoned.
  REQUIRE(d.system(SetStatus{d.ana, d.lunch}).ok());
  REQUIRE(d.system(SetStatus{d.bob, d.lunch}).ok());
  const auto queued = d.call();
  auto gone = d.system(CallEnded{queued, kNoUser, CallEndReason::media_timeout});
  REQUIRE(gone.ok());
  CHECK(find_event<CallAbandoned>(gone));
}
