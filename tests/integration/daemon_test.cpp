#include <cstdlib>
#include <fstream>
#include <thread>

#include "world.h"

using namespace contactd::test;

TEST_CASE("R-PLAT-6 /healthz says alive, /readyz follows the database") {
  World w;
  auto health = http_get(w.port(), "/healthz");
  CHECK(health.status == 200);
  auto ready = http_get(w.port(), "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"ready\":true") != std::string::npos);
  CHECK(http_get(w.port(), "/nope").status == 404);
  auto page = http_get(w.port(), "/webchat/");
  CHECK(page.status == 200);
  CHECK(page.body.find("/webchat/v1") != std::string::npos);

  // New connections to the database refused: not ready, but still alive.
  w.db.admin("ALTER DATABASE " + w.db.name() + " ALLOW_CONNECTIONS false");
  auto down = http_get(w.port(), "/readyz");
  CHECK(down.status == 503);
  CHECK(down.body.find("unreachable") != std::string::npos);
  CHECK(http_get(w.port(), "/healthz").status == 200);
  w.db.admin("ALTER DATABASE " + w.db.name() + " ALLOW_CONNECTIONS true");
  CHECK(http_get(w.port(), "/readyz").status == 200);
}

TEST_CASE("R-PLAT-3 restart keeps statuses and memberships, resuming after a restart resyncs") {
  World w;
  std::string token;
  std::uint64_t lunch = 0;
  {
    Client ana(w.port());
    auto login = must_login(ana, "ana", "ana-pass");
    token = login.token();
    lunch = status_id(login.snapshot(), "Lunch");
    require_ack(ana.set_status(lunch));
  }
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();

  Client sam(w.port());
  auto snap = must_login(sam, "sam", "sam-pass").snapshot();
  REQUIRE(overseen(snap, "ana"));
  CHECK(overseen(snap, "ana")->status_id() == lunch);
  CHECK_FALSE(overseen(snap, "ana")->connected());  // connections do not survive a restart
  CHECK(snap.campaigns_size() == 1);

  // The session survived (tokens are stored hashed); its stream did not.
  Client ana(w.port());
  auto resumed = ana.resume(token, 3);
  REQUIRE(resumed.has_response());
  CHECK(resumed.response().resume().resync());
  CHECK(resumed.response().resume().snapshot().me().status_id() == lunch);
  CHECK(resumed.response().resume().seq() == 3);
  CHECK(sam.next_event().event().presence_changed().connected());
}

TEST_CASE("SIGTERM: STOPPING=1 is notified, clients are told the server is going away, exit 0") {
  World w;
  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  // Sam answers the close handshake as a client does; Ana's client is stuck
  // and never reads: the server tears it down after the grace period.
  CloseInfo closed;
  std::thread reader([&] { closed = sam.wait_closed(); });
  REQUIRE(w.daemon.stop() == 0);
  reader.join();
  CHECK(w.daemon.saw_notify("STOPPING=1"));
  CHECK(closed.code == 1001);
  CHECK(closed.reason == "server shutting down");
  // Both disconnections were journaled before exit.
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'presence_changed' AND payload->'presence_changed'->>'connected' = 'false'") == "2");
  CHECK(w.db.query("SELECT count(*) FROM users WHERE connected") == "0");
}

TEST_CASE("R-PLAT-3 a changed or unknown migration stops serve and migrate") {
  World w;
  REQUIRE(w.daemon.stop() == 0);
  w.db.query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
  CHECK(w.daemon.run_tool({"migrate"}) == 1);
  CHECK(w.daemon.run_tool({"serve"}) == 1);
  CHECK(w.daemon.log().find("changed after it was applied") != std::string::npos);

  w.db.query("UPDATE schema_migrations SET checksum = (SELECT checksum FROM schema_migrations WHERE version = 1)");
  w.db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')");
  CHECK(w.daemon.run_tool({"serve"}) == 1);
  CHECK(w.daemon.log().find("does not know") != std::string::npos);
}

TEST_CASE("a second contactd on the same database refuses to start") {
  World w;
  CHECK(w.daemon.run_tool({"serve"}) == 1);
  CHECK(w.daemon.log().find("another contactd") != std::string::npos);
  CHECK(http_get(w.port(), "/healthz").status == 200);
}

TEST_CASE("check-config accepts the shipped example and rejects unknown keys and bad values") {
  const std::string binary = CONTACTD_BINARY;
  const std::string example = std::string(CONTACTD_SOURCE_DIR) + "/config/contactd.toml";
  CHECK(std::system((binary + " check-config --config " + example + " >/dev/null").c_str()) == 0);
  std::ofstream("/tmp/contactd-bad-key.toml") << "[server]\nprot = 8480\n";
  CHECK(WEXITSTATUS(std::system((binary + " check-config --config /tmp/contactd-bad-key.toml 2>/dev/null").c_str())) == 2);
  std::ofstream("/tmp/contactd-bad-value.toml") << "[server]\nport = \"eighty\"\n";
  CHECK(WEXITSTATUS(std::system((binary + " check-config --config /tmp/contactd-bad-value.toml 2>/dev/null").c_str())) == 2);
}
