#include "fixture.h"

using namespace contactd::test;

TEST_CASE("sessions: login connects the user and tells their observers") {
  Directory d;
  auto o = d.login(d.ana, 1, "t-ana");
  REQUIRE(o.ok());
  auto reply = std::get<SessionReply>(o.reply);
  CHECK(reply.user == d.ana);
  const auto* presence = find_event<PresenceChanged>(o);
  REQUIRE(presence);
  CHECK(presence->connected);
  // The presence event reaches Sales' supervisor and the administrator, not
  // the agent's own clients.
  const auto& ev = o.events.back();
  CHECK_FALSE(d.sees(d.ana, ev));
  CHECK(d.sees(d.sam, ev));
  CHECK(d.sees(d.alice, ev));
  CHECK_FALSE(d.sees(d.carla, ev));
  // The SessionOpened event (it carries the token hash) is internal.
  CHECK(o.events.front().audience.empty());
  CHECK(d.engine.find_user(d.ana)->connected());
}

TEST_CASE("sessions: a user with two clients is connected until both leave") {
  Directory d;
  REQUIRE(d.login(d.ana, 1, "t1").ok());
  auto second = d.login(d.ana, 2, "t2");
  REQUIRE(second.ok());
  CHECK(count_events<PresenceChanged>(second) == 0);

  auto first_leaves = d.system(DetachConnection{1});
  REQUIRE(first_leaves.ok());
  CHECK(count_events<PresenceChanged>(first_leaves) == 0);
  CHECK(d.engine.find_user(d.ana)->connected());

  auto both_gone = d.system(DetachConnection{2});
  REQUIRE(find_event<PresenceChanged>(both_gone));
  CHECK_FALSE(find_event<PresenceChanged>(both_gone)->connected);
  CHECK_FALSE(d.engine.find_user(d.ana)->connected());
}

TEST_CASE("sessions: resume reattaches, a newer connection supersedes the old one") {
  Directory d;
  REQUIRE(d.login(d.ana, 1, "tok").ok());
  REQUIRE(d.system(DetachConnection{1}).ok());
  auto resumed = d.system(AttachSession{"tok", 2});
  REQUIRE(resumed.ok());
  CHECK(find_event<PresenceChanged>(resumed)->connected);

  auto takeover = d.system(AttachSession{"tok", 3});
  REQUIRE(takeover.ok());
  CHECK(count_events<PresenceChanged>(takeover) == 0);
  REQUIRE(takeover.effects.size() == 1);
  CHECK(std::get<CloseConnection>(takeover.effects[0]).connection == 2);
  CHECK(d.engine.session_of(3) != nullptr);
  CHECK(d.engine.session_of(2) == nullptr);
}

TEST_CASE("sessions: unknown, revoked and expired tokens are refused") {
  Directory d;
  CHECK(d.system(AttachSession{"nope", 5}).error->code == ErrorCode::unauthenticated);

  REQUIRE(d.login(d.ana, 1, "tok").ok());
  REQUIRE(d.as(d.ana, EndSession{1}).ok());
  CHECK_FALSE(d.engine.find_user(d.ana)->connected());
  CHECK(d.system(AttachSession{"tok", 2}).error->code == ErrorCode::unauthenticated);

  REQUIRE(d.login(d.bob, 3, "bob-tok").ok());
  REQUIRE(d.system(DetachConnection{3}).ok());
  d.clock.advance(1h);
  // Expired but not yet swept by tick(): still refused.
  CHECK(d.system(AttachSession{"bob-tok", 4}).error->code == ErrorCode::unauthenticated);
}

TEST_CASE("sessions: expiry is a deadline, tick ends the session and closes its connection") {
  Directory d;
  REQUIRE(d.login(d.ana, 1, "tok").ok());
  REQUIRE(d.engine.next_deadline() == d.clock.now() + 1h);
  d.clock.advance(59min);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  d.clock.advance(1min);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<SessionEnded>(o));
  CHECK(find_event<SessionEnded>(o)->reason == SessionEndReason::expired);
  REQUIRE(o.effects.size() == 1);
  CHECK(std::get<CloseConnection>(o.effects[0]).connection == 1);
  CHECK_FALSE(d.engine.find_user(d.ana)->connected());
  CHECK_FALSE(d.engine.next_deadline());
}

TEST_CASE("sessions: only the server opens sessions, one session per connection") {
  Directory d;
  auto o = d.as(d.ana, OpenSession{d.ana, "t", d.clock.now() + 1h, 1});
  CHECK(o.error->code == ErrorCode::permission_denied);
  REQUIRE(d.login(d.ana, 1, "t").ok());
  CHECK(d.login(d.bob, 1, "t2").error->code == ErrorCode::failed_precondition);
  CHECK(d.login(d.bob, 2, "t").error->code == ErrorCode::invalid_argument);  // token reuse
  CHECK(d.system(OpenSession{d.bob, "t3", d.clock.now(), 3}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.bob, EndSession{1}).error->code == ErrorCode::permission_denied);
  CHECK(d.system(DetachConnection{42}).error->code == ErrorCode::not_found);
}
