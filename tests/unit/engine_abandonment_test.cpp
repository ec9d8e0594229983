// R-IN-6: a customer who leaves before any agent holds their conversation abandons it.
#include "inbox_fixture.h"

using namespace contactd::test;

TEST_CASE("R-IN-6 a customer away past the grace before any agent took it abandons the conversation") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto id = d.open(d.sales);
  REQUIRE(d.system(CustomerAway{id, 30s}).ok());
  CHECK(d.engine.next_deadline() == d.clock.now() + 30s);
  d.clock.advance(29999ms);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 1);
  d.clock.advance(1ms);
  auto o = d.engine.tick(d.clock.now());
  const auto* abandoned = find_event<InteractionAbandoned>(o);
  REQUIRE(abandoned);
  CHECK(abandoned->interaction == id);
  CHECK(abandoned->campaign == d.sales);
  CHECK(d.sees(d.ana, o.events[0]));  // Sales members: it leaves their Pending tab
  CHECK_FALSE(d.sees(d.carla, o.events[0]));
  CHECK(d.engine.find_interaction(id) == nullptr);
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 0);
  CHECK_FALSE(d.engine.next_deadline());
  d.connect(d.ana);
  CHECK(d.as(d.ana, Take{id}).error->code == ErrorCode::not_found);
}

TEST_CASE("R-IN-6 a conversation an agent took within the grace is not abandoned") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto id = d.open(d.sales);
  REQUIRE(d.system(CustomerAway{id, 30s}).ok());
  d.clock.advance(10s);
  d.connect(d.ana);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  d.clock.advance(20s);
  auto o = d.engine.tick(d.clock.now());
  CHECK(count_events<InteractionAbandoned>(o) == 0);
  CHECK(d.at(id).state == InteractionState::active);
  CHECK(d.owner(id) == d.ana);
  // Away from work an agent holds: no deadline; leaving tells the agent.
  REQUIRE(d.system(CustomerAway{id, 30s}).ok());
  d.clock.advance(31s);
  CHECK(count_events<InteractionAbandoned>(d.engine.tick(d.clock.now())) == 0);
  auto left = d.system(CustomerLeft{id});
  REQUIRE(find_event<CustomerDeparted>(left));
  CHECK(count_events<InteractionAbandoned>(left) == 0);
  CHECK(d.at(id).state == InteractionState::active);
}

TEST_CASE("R-IN-6 a customer who returns within the grace keeps the conversation in the queue") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto id = d.open(d.sales);
  REQUIRE(d.system(CustomerAway{id, 30s}).ok());
  d.clock.advance(29s);
  REQUIRE(d.system(CustomerReturned{id}).ok());
  CHECK_FALSE(d.engine.next_deadline());
  d.clock.advance(1h);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  CHECK(d.at(id).state == InteractionState::pending);
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 1);
  // Away again: the grace starts anew from the new departure.
  REQUIRE(d.system(CustomerAway{id, 30s}).ok());
  CHECK(d.engine.next_deadline() == d.clock.now() + 30s);
}

TEST_CASE("R-IN-6 a customer who leaves before any agent took it abandons the conversation at once") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto queued = d.open(d.sales);
  REQUIRE(d.system(CustomerAway{queued, 30s}).ok());
  auto o = d.system(CustomerLeft{queued});
  REQUIRE(find_event<InteractionAbandoned>(o));
  CHECK(count_events<CustomerDeparted>(o) == 0);
  CHECK(d.engine.find_interaction(queued) == nullptr);
  CHECK_FALSE(d.engine.next_deadline());  // nothing left armed

  // With the bot: its deadline goes too.
  auto s = webchat(Strategy::manual);
  s.bot = BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s};
  d.configure(d.sales, s);
  const auto with_bot = d.open(d.sales);
  REQUIRE(d.system(AwaitBot{with_bot}).ok());
  REQUIRE(d.engine.next_deadline());
  REQUIRE(find_event<InteractionAbandoned>(d.system(CustomerLeft{with_bot})));
  CHECK_FALSE(d.engine.next_deadline());
  CHECK(d.system(BotAnswered{with_bot, true}).error->code == ErrorCode::not_found);
}

TEST_CASE("R-IN-6 only channels report customers away, with a positive grace") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto id = d.open(d.sales);
  d.connect(d.ana);
  CHECK(d.as(d.ana, CustomerAway{id, 30s}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, CustomerReturned{id}).error->code == ErrorCode::permission_denied);
  CHECK(d.system(CustomerAway{id, 0s}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(CustomerAway{999, 30s}).error->code == ErrorCode::not_found);
  d.clock.advance(1min);
  CHECK(count_events<InteractionAbandoned>(d.engine.tick(d.clock.now())) == 0);
  CHECK(d.at(id).state == InteractionState::pending);
}
