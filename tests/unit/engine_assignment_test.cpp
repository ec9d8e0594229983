#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

// Both Sales agents online; a webchat capacity of `capacity`.
Inbox sales_with(Strategy strategy, std::uint16_t capacity = 3) {
  Inbox d;
  auto s = webchat(strategy);
  s.default_capacity[index(Channel::webchat)] = capacity;
  d.configure(d.sales, s);
  d.connect(d.ana);
  d.connect(d.bob);
  return d;
}

}  // namespace

TEST_CASE("R-IN-3 manual campaigns never auto-assign") {
  Inbox d = sales_with(Strategy::manual);
  auto id = d.open(d.sales);
  CHECK(d.at(id).state == InteractionState::pending);
}

TEST_CASE("R-IN-3 longest idle: the agent idle since the earliest time wins, busy agents come last") {
  Inbox d = sales_with(Strategy::longest_idle);
  auto first = d.open(d.sales);
  CHECK(d.owner(first) == d.ana);  // equal idle times: lower id
  auto second = d.open(d.sales);
  CHECK(d.owner(second) == d.bob);  // ana is busy
  d.clock.advance(10s);
  REQUIRE(d.as(d.bob, Finish{second}).ok());  // bob idle since now
  d.clock.advance(10s);
  REQUIRE(d.as(d.ana, Finish{first}).ok());  // ana idle since later
  auto third = d.open(d.sales);
  CHECK(d.owner(third) == d.bob);
}

TEST_CASE("R-IN-3 round robin: agents take turns") {
  Inbox d = sales_with(Strategy::round_robin, 10);
  std::vector<UserId> owners;
  for (int n = 0; n < 4; ++n) owners.push_back(d.owner(d.open(d.sales)));
  CHECK(owners == std::vector<UserId>{d.ana, d.bob, d.ana, d.bob});
}

TEST_CASE("R-IN-3 fewest active: the agent with fewer active interactions wins") {
  Inbox d = sales_with(Strategy::fewest_active, 10);
  auto a1 = d.open(d.sales);
  auto b1 = d.open(d.sales);
  auto a2 = d.open(d.sales);
  CHECK(d.owner(a1) == d.ana);
  CHECK(d.owner(b1) == d.bob);
  CHECK(d.owner(a2) == d.ana);
  REQUIRE(d.as(d.ana, Finish{a1}).ok());
  REQUIRE(d.as(d.ana, Finish{a2}).ok());
  CHECK(d.owner(d.open(d.sales)) == d.ana);  // 0 active against bob's 1
}

TEST_CASE("R-IN-3 least talk time: the agent with less handling time wins") {
  Inbox d = sales_with(Strategy::least_talk_time, 10);
  auto a = d.open(d.sales);
  REQUIRE(d.owner(a) == d.ana);
  d.clock.advance(5min);
  REQUIRE(d.as(d.ana, Finish{a}).ok());
  CHECK(d.owner(d.open(d.sales)) == d.bob);
  CHECK(d.owner(d.open(d.sales)) == d.bob);  // still less talk time than ana
}

TEST_CASE("R-IN-3 agent order: the lowest rank wins until full") {
  Inbox d = sales_with(Strategy::agent_order, 2);
  REQUIRE(d.system(SetMembership{d.ana, d.sales, true, 5, {}}).ok());
  REQUIRE(d.system(SetMembership{d.bob, d.sales, true, 1, {}}).ok());
  CHECK(d.owner(d.open(d.sales)) == d.bob);
  CHECK(d.owner(d.open(d.sales)) == d.bob);
  CHECK(d.owner(d.open(d.sales)) == d.ana);  // bob is at capacity
}

TEST_CASE("R-IN-3 random: any eligible agent, reproducibly") {
  auto run = [] {
    Inbox d = sales_with(Strategy::random, 100);
    std::vector<UserId> owners;
    for (int n = 0; n < 40; ++n) owners.push_back(d.owner(d.open(d.sales)));
    return owners;
  };
  auto owners = run();
  CHECK(owners == run());  // deterministic for the same commands
  const auto anas = std::count(owners.begin(), owners.end(), UserId{1});
  CHECK(anas > 5);
  CHECK(anas < 35);
}

TEST_CASE("R-IN-4 eligibility: status, presence and capacity, re-evaluated when an agent becomes eligible") {
  Inbox d = sales_with(Strategy::longest_idle, 1);
  REQUIRE(d.as(d.ana, SetStatus{kNoUser, d.lunch}).ok());
  REQUIRE(d.system(DetachConnection{d.next_connection}).ok());  // bob leaves
  auto id = d.open(d.sales);
  CHECK(d.at(id).state == InteractionState::pending);  // nobody eligible
  auto cleared = d.as(d.ana, ClearStatus{});
  REQUIRE(find_event<InteractionAssigned>(cleared));  // served at once
  CHECK(d.owner(id) == d.ana);
  auto waiting = d.open(d.sales);
  CHECK(d.at(waiting).state == InteractionState::pending);  // ana at capacity 1
  auto finished = d.as(d.ana, Finish{id});
  REQUIRE(find_event<InteractionAssigned>(finished));  // capacity freed: served
  CHECK(d.owner(waiting) == d.ana);
  // Supervisors are never auto-assigned.
  CHECK_FALSE(d.engine.find_user(d.sam)->active_total());
}

TEST_CASE("R-IN-5 every assignment records strategy, candidates and winner") {
  Inbox d = sales_with(Strategy::longest_idle);
  auto o = d.system(OpenInteraction{d.sales, Channel::webchat, "v", 0});
  const auto* a = find_event<InteractionAssigned>(o);
  REQUIRE(a);
  CHECK(a->how == AssignHow::automatic);
  CHECK(a->strategy == Strategy::longest_idle);
  CHECK(a->candidates == 2);
  REQUIRE(a->considered.size() == 2);
  CHECK(a->considered[0].agent == a->agent);
  CHECK(a->considered[0].score <= a->considered[1].score);
}

TEST_CASE("queue order: higher priority first, then arrival") {
  Inbox d = sales_with(Strategy::longest_idle, 1);
  REQUIRE(d.as(d.ana, SetStatus{kNoUser, d.lunch}).ok());
  REQUIRE(d.as(d.bob, SetStatus{kNoUser, d.lunch}).ok());
  auto early = d.open(d.sales, "early", 0);
  auto late = d.open(d.sales, "late", 0);
  auto urgent = d.open(d.sales, "urgent", 5);
  REQUIRE(d.as(d.ana, ClearStatus{}).ok());
  CHECK(d.owner(urgent) == d.ana);
  REQUIRE(d.as(d.bob, ClearStatus{}).ok());
  CHECK(d.owner(early) == d.bob);
  CHECK(d.at(late).state == InteractionState::pending);
}

TEST_CASE("disconnect grace: active interactions return to the queue only after the grace period") {
  Inbox d = sales_with(Strategy::longest_idle, 1);
  REQUIRE(d.as(d.bob, SetStatus{kNoUser, d.lunch}).ok());
  auto id = d.open(d.sales);
  REQUIRE(d.owner(id) == d.ana);
  const ConnectionId ana_connection = 101;
  REQUIRE(d.system(DetachConnection{ana_connection}).ok());
  CHECK(d.engine.next_deadline() == d.clock.now() + 120s);
  d.clock.advance(119s);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  CHECK(d.owner(id) == d.ana);
  d.clock.advance(1s);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<InteractionQueued>(o));
  CHECK(find_event<InteractionQueued>(o)->reason == QueueReason::returned);
  CHECK(d.at(id).state == InteractionState::pending);
  // Bob comes back from lunch and gets it.
  REQUIRE(d.as(d.bob, ClearStatus{}).ok());
  CHECK(d.owner(id) == d.bob);
}

TEST_CASE("disconnect grace: reconnecting in time keeps everything") {
  Inbox d = sales_with(Strategy::longest_idle, 1);
  auto id = d.open(d.sales);
  REQUIRE(d.owner(id) == d.ana);
  REQUIRE(d.system(DetachConnection{101}).ok());
  d.clock.advance(60s);
  d.connect(d.ana);
  d.clock.advance(120s);
  CHECK(count_events<InteractionQueued>(d.engine.tick(d.clock.now())) == 0);
  CHECK(d.owner(id) == d.ana);
}

TEST_CASE("settings changes are effective at once: switching to auto-assignment serves the queue") {
  Inbox d = sales_with(Strategy::manual);
  auto id = d.open(d.sales);
  CHECK(d.at(id).state == InteractionState::pending);
  auto o = d.system(UpdateCampaign{d.sales, webchat(Strategy::round_robin)});
  REQUIRE(o.ok());
  CHECK(d.at(id).state == InteractionState::active);
}
