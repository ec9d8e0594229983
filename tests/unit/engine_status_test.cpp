#include "fixture.h"

using namespace contactd::test;

TEST_CASE("R-IN-4 statuses: an agent sets and clears their own status, supervisors are told") {
  Directory d;
  auto set = d.as(d.ana, SetStatus{kNoUser, d.lunch});
  REQUIRE(set.ok());
  const auto* ev = find_event<AgentStatusChanged>(set);
  REQUIRE(ev);
  CHECK(ev->user == d.ana);
  CHECK(ev->status == d.lunch);
  CHECK(ev->changed_by == d.ana);
  CHECK(d.sees(d.sam, set.events[0]));
  CHECK_FALSE(d.sees(d.carla, set.events[0]));
  CHECK(d.engine.find_user(d.ana)->status == d.lunch);

  auto clear = d.as(d.ana, ClearStatus{});
  REQUIRE(find_event<AgentStatusChanged>(clear));
  CHECK_FALSE(find_event<AgentStatusChanged>(clear)->status);
  CHECK_FALSE(d.engine.find_user(d.ana)->status);
}

TEST_CASE("R-IN-4 statuses: setting what is already set changes nothing") {
  Directory d;
  REQUIRE(d.as(d.ana, SetStatus{kNoUser, d.lunch}).ok());
  d.clock.advance(5min);
  auto again = d.as(d.ana, SetStatus{kNoUser, d.lunch});
  CHECK(again.ok());
  CHECK(again.events.empty());
  CHECK(d.engine.find_user(d.ana)->status_since == kStart);
  CHECK(d.as(d.bob, ClearStatus{}).events.empty());
}

TEST_CASE("statuses: who may change whose status") {
  Directory d;
  // An agent may not change another agent's status.
  auto o = d.as(d.ana, SetStatus{d.bob, d.lunch});
  REQUIRE(o.error);
  CHECK(o.error->code == ErrorCode::permission_denied);
  CHECK_FALSE(d.engine.find_user(d.bob)->status);
  // A supervisor may, for agents of their campaigns only.
  CHECK(d.as(d.sam, SetStatus{d.ana, d.training}).ok());
  CHECK(d.as(d.sam, SetStatus{d.carla, d.training}).error->code == ErrorCode::permission_denied);
  // An agent may not change a supervisor's status.
  CHECK(d.as(d.ana, ClearStatus{d.sam}).error->code == ErrorCode::permission_denied);
  // An administrator may change anyone's.
  CHECK(d.as(d.alice, SetStatus{d.carla, d.lunch}).ok());
  auto changed = d.as(d.alice, ClearStatus{d.carla});
  CHECK(find_event<AgentStatusChanged>(changed)->changed_by == d.alice);
}

TEST_CASE("statuses: unknown users and statuses are refused") {
  Directory d;
  CHECK(d.as(d.ana, SetStatus{kNoUser, 999}).error->code == ErrorCode::not_found);
  CHECK(d.as(d.alice, SetStatus{999, d.lunch}).error->code == ErrorCode::not_found);
  CHECK_FALSE(d.engine.find_user(d.ana)->status);
}

TEST_CASE("snapshot: supervisors see their campaigns' agents, agents see only themselves") {
  Directory d;
  REQUIRE(d.login(d.ana, 1, "t").ok());
  REQUIRE(d.as(d.ana, SetStatus{kNoUser, d.lunch}).ok());

  auto agent = d.engine.snapshot(d.ana);
  CHECK(agent.me.login == "ana");
  CHECK(agent.me.connected);
  CHECK(agent.me.status == d.lunch);
  CHECK(agent.overseen.empty());
  REQUIRE(agent.campaigns.size() == 1);
  CHECK(agent.campaigns[0].name == "Sales");
  CHECK(agent.statuses.size() == 2);

  auto sup = d.engine.snapshot(d.sam);
  std::vector<std::string> seen;
  for (const auto& u : sup.overseen) seen.push_back(u.login);
  CHECK(seen == std::vector<std::string>{"ana", "bob"});
  CHECK(sup.overseen[0].status == d.lunch);
  CHECK(sup.overseen[0].connected);

  auto admin = d.engine.snapshot(d.alice);
  CHECK(admin.campaigns.size() == 2);
  CHECK(admin.overseen.size() == 4);
}
