#include "phone_fixture.h"

using namespace contactd::test;

namespace {

// 20 s of wrap-up after calls.
struct WrapUp : Phones {
  WrapUp() : Phones(20s) {}
};

}  // namespace

TEST_CASE("R-FIN-1 R-WRAP-1 a call that ends finishes the interaction and starts the campaign's wrap-up") {
  WrapUp d;
  d.connect_phone(d.ana);
  const auto id = d.answered_call(d.ana);
  REQUIRE(d.owner(id) == d.ana);
  CHECK(d.as(d.ana, Finish{id}).error->code == ErrorCode::failed_precondition);  // calls end, agents do not finish them
  d.clock.advance(5s);
  auto ended = d.system(CallEnded{id});
  REQUIRE(ended.ok());
  CHECK(d.at(id).state == InteractionState::finished);
  REQUIRE(find_event<InteractionFinished>(ended));
  const auto* started = find_event<WrapUpStarted>(ended);
  REQUIRE(started);
  CHECK(started->user == d.ana);
  CHECK(started->interaction == id);
  CHECK(started->until == d.clock.now() + 20s);  // the deadline, for the countdown
  const Event& e = *std::find_if(ended.events.begin(), ended.events.end(),
                                 [](const Event& ev) { return std::holds_alternative<WrapUpStarted>(ev.body); });
  CHECK(d.sees(d.ana, e));
  CHECK(d.sees(d.sam, e));    // her supervisor
  CHECK(d.sees(d.alice, e));  // administrators
  CHECK_FALSE(d.sees(d.bob, e));
  CHECK(d.engine.snapshot(d.ana).me.wrap_up_until == d.clock.now() + 20s);
  CHECK(d.engine.next_deadline() == d.clock.now() + 20s);
  // Closing the finished call does not end the wrap-up.
  REQUIRE(d.as(d.ana, CloseInteraction{id}).ok());
  CHECK(d.engine.find_user(d.ana)->wrap_up_until);
}

TEST_CASE("R-WRAP-1 no calls are offered during wrap-up, text still is, and at the deadline the waiting call is assigned") {
  WrapUp d;
  d.connect_phone(d.ana);
  const auto first = d.answered_call(d.ana);
  REQUIRE(d.system(CallEnded{first}).ok());
  const auto waiting = d.call("+5511888880000");
  CHECK(d.at(waiting).state == InteractionState::pending);  // ana is the only agent and in wrap-up
  const auto chat = d.open(d.sales);
  CHECK(d.owner(chat) == d.ana);  // WebChat is not held back
  d.clock.advance(19999ms);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  d.clock.advance(1ms);
  auto o = d.engine.tick(d.clock.now());
  const auto* ended = find_event<WrapUpEnded>(o);
  REQUIRE(ended);
  CHECK_FALSE(ended->early);
  REQUIRE(find_event<CallOffered>(o));  // her phone rings at once
  CHECK(d.ringing(waiting) == std::vector<UserId>{d.ana});
  CHECK_FALSE(d.engine.snapshot(d.ana).me.wrap_up_until);
  d.clock.advance(30s);
  CHECK_FALSE(find_event<WrapUpEnded>(d.engine.tick(d.clock.now())));  // fired once
}

TEST_CASE("R-WRAP-1 the agent may end wrap-up early and is offered the next call at once") {
  WrapUp d;
  d.connect_phone(d.ana);
  REQUIRE(d.system(CallEnded{d.answered_call(d.ana)}).ok());
  const auto waiting = d.call();
  CHECK(d.as(d.bob, EndWrapUp{}).error->code == ErrorCode::failed_precondition);  // bob is not in wrap-up
  CHECK(d.system(EndWrapUp{}).error->code == ErrorCode::permission_denied);
  auto o = d.as(d.ana, EndWrapUp{});
  REQUIRE(o.ok());
  REQUIRE(find_event<WrapUpEnded>(o));
  CHECK(find_event<WrapUpEnded>(o)->early);
  CHECK(d.ringing(waiting) == std::vector<UserId>{d.ana});
  REQUIRE(d.answer(waiting, d.ana).ok());
  CHECK(d.engine.next_deadline() > d.clock.now() + 20s);  // the deadline is gone with it (next: the session's)
  CHECK(d.as(d.ana, EndWrapUp{}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-WRAP-1 without wrap-up seconds, or for text, nothing holds the agent back") {
  WrapUp d;
  auto s = d.engine.find_campaign(d.sales)->settings;
  s.wrap_up = 0s;
  d.configure(d.sales, s);
  d.connect_phone(d.ana);
  auto o = d.system(CallEnded{d.answered_call(d.ana)});
  REQUIRE(o.ok());
  CHECK_FALSE(find_event<WrapUpStarted>(o));
  d.answered_call(d.ana);
}

TEST_CASE("CallEnded refuses text interactions, calls not in progress, unknown ids and non-system actors") {
  WrapUp d;
  d.connect_phone(d.ana);
  const auto chat = d.open(d.sales);
  CHECK(d.system(CallEnded{chat}).error->code == ErrorCode::failed_precondition);
  CHECK(d.system(CallEnded{9999}).error->code == ErrorCode::not_found);
  const auto id = d.answered_call(d.ana);
  CHECK(d.as(d.ana, CallEnded{id}).error->code == ErrorCode::permission_denied);
  REQUIRE(d.system(CallEnded{id}).ok());
  CHECK(d.system(CallEnded{id}).error->code == ErrorCode::failed_precondition);  // already over
}
