#include "world.h"

using namespace contactd::test;

TEST_CASE("R-SUP-1 a supervisor's snapshot shows the live state of their campaigns' agents") {
  World w;
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  Client sam(w.port());
  auto snap = must_login(sam, "sam", "sam-pass").snapshot();
  REQUIRE(overseen(snap, "ana"));
  REQUIRE(overseen(snap, "bob"));
  CHECK_FALSE(overseen(snap, "carla"));  // Finance only
  CHECK(overseen(snap, "ana")->connected());
  CHECK_FALSE(overseen(snap, "bob")->connected());
}

TEST_CASE("R-IN-4 set and clear status are seen by the supervisor as events, in order") {
  World w;
  Client sam(w.port());
  auto snap = must_login(sam, "sam", "sam-pass").snapshot();
  const auto ana_id = overseen(snap, "ana")->id();
  const auto lunch = status_id(snap, "Lunch");

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  auto connected = sam.next_event();
  CHECK(connected.event().presence_changed().user_id() == ana_id);
  CHECK(connected.event().presence_changed().connected());

  require_ack(ana.set_status(lunch));
  auto set = sam.next_event().event();
  REQUIRE(set.has_agent_status_changed());
  CHECK(set.agent_status_changed().user_id() == ana_id);
  CHECK(set.agent_status_changed().status_id() == lunch);
  CHECK(set.agent_status_changed().changed_by() == ana_id);

  require_ack(ana.clear_status());
  auto cleared = sam.next_event().event();
  CHECK(cleared.agent_status_changed().status_id() == 0);
  CHECK(cleared.journal_seq() > set.journal_seq());

  // The agent's own stream carries the same facts.
  CHECK(ana.next_event().event().agent_status_changed().status_id() == lunch);
  CHECK(ana.next_event().event().agent_status_changed().status_id() == 0);
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'agent_status_changed'") == "2");
}

TEST_CASE("R-IN-4 a supervisor sets an agent's break, an agent may not set another's (PERMISSION_DENIED)") {
  World w;
  Client sam(w.port());
  auto snap = must_login(sam, "sam", "sam-pass").snapshot();
  const auto bob_id = overseen(snap, "bob")->id();
  const auto training = status_id(snap, "Training");

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  sam.next_event();  // ana connected

  auto refused = ana.set_status(training, bob_id);
  REQUIRE(refused.has_error());
  CHECK(refused.error().code() == v1::PERMISSION_DENIED);
  CHECK_FALSE(refused.error().message().empty());
  CHECK(w.db.query("SELECT status_id FROM users WHERE login = 'bob'").empty());

  Client carla(w.port());
  auto carla_login = must_login(carla, "carla", "carla-pass");
  // Sam supervises Sales; Carla is in Finance only.
  CHECK(error_of(sam.set_status(training, carla_login.snapshot().me().id())) == v1::PERMISSION_DENIED);
  CHECK(error_of(ana.clear_status(overseen(snap, "ana")->id() + 1000)) == v1::NOT_FOUND);

  require_ack(sam.set_status(training, bob_id));
  auto ev = sam.next_event().event();
  CHECK(ev.agent_status_changed().user_id() == bob_id);
  CHECK(ev.agent_status_changed().changed_by() == snap.me().id());
  CHECK(w.db.query("SELECT s.name FROM users u JOIN statuses s ON s.id = u.status_id WHERE u.login = 'bob'") ==
        "Training");
}

TEST_CASE("presence: an agent with two clients stays connected until both leave") {
  World w;
  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");
  auto first = std::make_unique<Client>(w.port());
  must_login(*first, "ana", "ana-pass");
  auto second = std::make_unique<Client>(w.port());
  must_login(*second, "ana", "ana-pass");
  first->close();
  first.reset();
  second->close();
  second.reset();
  // Exactly one "connected" and then one "disconnected": the first client
  // leaving produced nothing.
  auto a = sam.next_event().event();
  auto b = sam.next_event().event();
  CHECK(a.presence_changed().connected());
  REQUIRE(b.has_presence_changed());
  CHECK_FALSE(b.presence_changed().connected());
  auto snap = sam.snapshot().response().snapshot();
  CHECK_FALSE(sam.has_buffered());
  CHECK_FALSE(overseen(snap, "ana")->connected());
  CHECK(w.db.query("SELECT connected FROM users WHERE login = 'ana'") == "f");
}

TEST_CASE("an idle client that does not answer pings is disconnected after the idle timeout") {
  DaemonOptions options;
  options.idle_timeout_seconds = 2;  // ping after 1 s, close after 2 s of silence
  World w(options);
  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");  // sam keeps reading, so answers pings
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");  // ana never reads again: no pongs
  CHECK(sam.next_event().event().presence_changed().connected());
  auto gone = sam.next_event().event();
  REQUIRE(gone.has_presence_changed());
  CHECK_FALSE(gone.presence_changed().connected());
  CHECK(sam.snapshot().has_response());  // the reader is still connected
}
