// Administration of users and statuses (issue 3, item 1).
#include "inbox_fixture.h"

using namespace contactd::test;

TEST_CASE("administration: per-agent capacity overrides the campaign default, effective at once") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::longest_idle));  // default WebChat capacity 3
  d.connect(d.ana);
  for (int k = 0; k < 4; ++k) d.open(d.sales, "v" + std::to_string(k));
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 1);
  std::array<std::uint16_t, kChannelCount> cap{};
  cap[index(Channel::webchat)] = 4;
  auto o = d.as(d.alice, UpdateUser{d.ana, {}, {}, {}, {}, cap});
  REQUIRE(o.ok());
  CHECK(find_event<InteractionAssigned>(o));  // her fourth slot serves the queue
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 0);
  cap[index(Channel::webchat)] = 101;
  CHECK(d.as(d.alice, UpdateUser{d.ana, {}, {}, {}, {}, cap}).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("administration: a deactivated user is logged out, cannot log in, and their customers return to the queue") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  const auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  CHECK(d.as(d.ana, UpdateUser{d.bob, {}, {}, {}, false, {}}).error->code == ErrorCode::permission_denied);
  auto o = d.as(d.alice, UpdateUser{d.ana, std::string("Ana M."), {}, {}, false, {}});
  REQUIRE(o.ok());
  CHECK(find_event<UserUpdated>(o)->active == false);
  REQUIRE(find_event<SessionEnded>(o));
  CHECK(find_event<SessionEnded>(o)->reason == SessionEndReason::deactivated);
  bool closed = false;
  for (const auto& e : o.effects) closed = closed || std::holds_alternative<CloseConnection>(e);
  CHECK(closed);
  CHECK(d.at(id).state == InteractionState::pending);
  CHECK_FALSE(d.engine.credential("ana"));
  CHECK(d.login(d.ana, 500, "again").error->code == ErrorCode::unauthenticated);
  REQUIRE(d.as(d.alice, UpdateUser{d.ana, {}, {}, {}, true, {}}).ok());
  CHECK(d.engine.credential("ana"));
  CHECK(d.engine.find_user(d.ana)->display_name == "Ana M.");
  CHECK(d.as(d.alice, UpdateUser{d.alice, {}, {}, {}, false, {}}).error);  // not yourself
  CHECK(d.as(d.alice, UpdateUser{999, {}, {}, {}, false, {}}).error->code == ErrorCode::not_found);
}

TEST_CASE("administration: statuses are renamed and removed, and agents on a removed status become eligible") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::longest_idle));
  d.connect(d.ana);
  REQUIRE(d.as(d.ana, SetStatus{kNoUser, d.lunch}).ok());
  const auto id = d.open(d.sales);
  CHECK(d.at(id).state == InteractionState::pending);
  CHECK(d.as(d.alice, UpdateStatus{d.lunch, "Training", false}).error->code == ErrorCode::already_exists);
  CHECK(d.as(d.ana, UpdateStatus{d.lunch, "Meal", false}).error->code == ErrorCode::permission_denied);
  REQUIRE(d.as(d.alice, UpdateStatus{d.lunch, "Meal", false}).ok());
  CHECK(d.engine.find_status_by_name("Meal"));
  auto removed = d.as(d.alice, UpdateStatus{d.lunch, "", true});
  REQUIRE(removed.ok());
  CHECK(find_event<AgentStatusChanged>(removed));
  CHECK(d.owner(id) == d.ana);  // cleared and served at once
  CHECK_FALSE(d.engine.find_status_by_name("Meal"));
  CHECK(d.as(d.ana, SetStatus{kNoUser, d.lunch}).error->code == ErrorCode::not_found);
}
