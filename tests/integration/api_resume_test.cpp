#include "world.h"

using namespace contactd::test;

TEST_CASE("resume after reconnect receives exactly the missed events, in order, then live ones") {
  World w;
  auto sam = std::make_unique<Client>(w.port());
  auto login = must_login(*sam, "sam", "sam-pass");
  const auto lunch = status_id(login.snapshot(), "Lunch");
  const auto training = status_id(login.snapshot(), "Training");

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  CHECK(sam->next_event().event().presence_changed().connected());  // seq 1
  const auto seen = sam->last_seq();
  REQUIRE(seen == 1);
  sam->close();
  sam.reset();

  // Missed while away: three status changes.
  require_ack(ana.set_status(lunch));
  require_ack(ana.set_status(training));
  require_ack(ana.clear_status());

  Client back(w.port());
  auto resumed = back.resume(login.token(), seen);
  INFO(resumed.DebugString());
  REQUIRE(resumed.has_response());
  CHECK_FALSE(resumed.response().resume().resync());
  CHECK(resumed.response().resume().seq() == 4);
  // Client::read_one checks every event's seq is last + 1: no gap, no repeat.
  CHECK(back.next_event().event().agent_status_changed().status_id() == lunch);
  CHECK(back.next_event().event().agent_status_changed().status_id() == training);
  CHECK(back.next_event().event().agent_status_changed().status_id() == 0);
  CHECK(back.last_seq() == 4);

  // Live events continue the same stream.
  require_ack(ana.set_status(lunch));
  auto live = back.next_event();
  CHECK(live.seq() == 5);
  CHECK(live.event().agent_status_changed().status_id() == lunch);
  // Nothing else was queued for us.
  back.snapshot();
  CHECK_FALSE(back.has_buffered());
}

TEST_CASE("resume: a client too far behind gets a fresh snapshot flagged resync") {
  DaemonOptions options;
  options.resume_buffer_events = 4;
  World w(options);
  auto sam = std::make_unique<Client>(w.port());
  auto login = must_login(*sam, "sam", "sam-pass");
  const auto lunch = status_id(login.snapshot(), "Lunch");
  sam->close();
  sam.reset();

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");  // event 1 for sam's stream
  for (int i = 0; i < 3; ++i) {        // events 2..7
    require_ack(ana.set_status(lunch));
    require_ack(ana.clear_status());
  }
  require_ack(ana.set_status(lunch));  // event 8

  Client back(w.port());
  auto resumed = back.resume(login.token(), 0);
  REQUIRE(resumed.has_response());
  const auto& r = resumed.response().resume();
  CHECK(r.resync());
  CHECK(r.seq() == 8);
  auto* a = overseen(r.snapshot(), "ana");
  REQUIRE(a);
  CHECK(a->status_id() == lunch);
  CHECK(a->connected());
  // The stream goes on from the snapshot's position.
  require_ack(ana.clear_status());
  CHECK(back.next_event().seq() == 9);
}

TEST_CASE("resume: a newer connection of the same session supersedes the old one") {
  World w;
  Client old(w.port());
  auto token = must_login(old, "ana", "ana-pass").token();
  Client fresh(w.port());
  auto resumed = fresh.resume(token, 0);
  REQUIRE(resumed.has_response());
  CHECK_FALSE(resumed.response().resume().resync());
  auto closed = old.wait_closed();
  CHECK(closed.code == 1000);
  CHECK(closed.reason.find("superseded") != std::string::npos);
  CHECK(fresh.snapshot().response().snapshot().me().connected());
  CHECK(w.db.query("SELECT connected FROM users WHERE login = 'ana'") == "t");
}
