#include "world.h"

using namespace contactd::test;

TEST_CASE("R-PLAT-4 login with the right password returns a token, stream position and snapshot") {
  World w;
  Client ana(w.port());
  auto result = must_login(ana, "ana", "ana-pass");
  CHECK(result.token().size() >= 43);  // 256 bits, base64url
  CHECK(result.seq() == 0);
  CHECK(result.expires_at_ms() > 0);
  const auto& snap = result.snapshot();
  CHECK(snap.me().login() == "ana");
  CHECK(snap.me().profile() == v1::AGENT);
  CHECK(snap.me().connected());
  REQUIRE(snap.campaigns_size() == 1);
  CHECK(snap.campaigns(0).name() == "Sales");
  CHECK(snap.statuses_size() == 2);
  CHECK(snap.overseen_size() == 0);
  // Only a hash of the token is stored.
  CHECK(w.db.query("SELECT count(*) FROM sessions WHERE token_hash = '" + result.token() + "'") == "0");
  CHECK(w.db.query("SELECT count(*) FROM sessions WHERE ended_at IS NULL") == "1");
  CHECK(w.db.query("SELECT password_hash LIKE '$argon2id$%' FROM users WHERE login = 'ana'") == "t");
}

TEST_CASE("login: wrong password and unknown user get the same answer, the connection still serves") {
  World w;
  Client c(w.port());
  auto wrong = c.login("ana", "not-it");
  auto unknown = c.login("nobody", "ana-pass");
  REQUIRE(wrong.has_error());
  REQUIRE(unknown.has_error());
  CHECK(wrong.error().code() == v1::UNAUTHENTICATED);
  CHECK(unknown.error().code() == v1::UNAUTHENTICATED);
  CHECK(wrong.error().message() == unknown.error().message());
  CHECK(w.db.query("SELECT count(*) FROM sessions") == "0");
  must_login(c, "ana", "ana-pass");
}

TEST_CASE("login: commands before login are refused, a second login on one connection is refused") {
  World w;
  Client c(w.port());
  CHECK(error_of(c.snapshot()) == v1::UNAUTHENTICATED);
  CHECK(error_of(c.set_status(1)) == v1::UNAUTHENTICATED);
  CHECK(error_of(c.logout()) == v1::UNAUTHENTICATED);
  must_login(c, "ana", "ana-pass");
  CHECK(error_of(c.login("bob", "bob-pass")) == v1::FAILED_PRECONDITION);
  CHECK(c.snapshot().response().snapshot().me().login() == "ana");
}

TEST_CASE("logout revokes the session: the token no longer resumes") {
  World w;
  Client c(w.port());
  auto token = must_login(c, "ana", "ana-pass").token();
  require_ack(c.logout());
  CHECK(error_of(c.snapshot()) == v1::UNAUTHENTICATED);
  CHECK(w.db.query("SELECT end_reason FROM sessions") == "logout");
  Client again(w.port());
  auto refused = again.resume(token, 0);
  CHECK(error_of(refused) == v1::UNAUTHENTICATED);
  CHECK(error_of(again.resume("made-up-token", 0)) == v1::UNAUTHENTICATED);
  CHECK(error_of(again.resume(std::string(500, 'x'), 0)) == v1::UNAUTHENTICATED);
}

TEST_CASE("an expired session is ended by the server's timer: its connection is closed and its token refused") {
  DaemonOptions options;
  options.session_ttl_seconds = 2;  // the real timer in the real process
  World w(options);
  Client ana(w.port());
  auto token = must_login(ana, "ana", "ana-pass").token();
  auto closed = ana.wait_closed();
  CHECK(closed.code == 1000);
  CHECK(closed.reason == "session expired");
  Client again(w.port());
  CHECK(error_of(again.resume(token, 0)) == v1::UNAUTHENTICATED);
  CHECK(w.db.query("SELECT count(*) FROM sessions WHERE end_reason = 'expired'") != "0");
}
