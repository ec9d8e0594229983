#include "world.h"

using namespace contactd::test;

namespace {

// After any bad frame the same connection must still answer properly.
void still_serves(Client& c) {
  auto e = c.snapshot();
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  CHECK(e.response().snapshot().me().login() == "ana");
}

v1::Envelope connection_error(Client& c) {
  auto e = c.next_frame();
  INFO(e.DebugString());
  REQUIRE(e.has_error());
  return e;
}

}  // namespace

TEST_CASE("bad input: garbage, truncated and mistyped frames get MALFORMED_FRAME and change nothing") {
  World w;
  Client c(w.port());
  must_login(c, "ana", "ana-pass");
  const auto journal_before = w.db.query("SELECT count(*) FROM journal");

  c.send_raw(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01garbage", 18));
  CHECK(connection_error(c).error().code() == v1::MALFORMED_FRAME);

  // A valid SetStatus envelope cut in half.
  v1::Envelope whole;
  whole.set_request_id(77);
  whole.mutable_command()->mutable_set_status()->set_status_id(1);
  const auto bytes = whole.SerializeAsString();
  c.send_raw(bytes.substr(0, bytes.size() - 2));
  CHECK(connection_error(c).error().code() == v1::MALFORMED_FRAME);

  // Field 3 (command) sent as a varint instead of a message: wrong wire type.
  c.send_raw(std::string("\x08\x05\x18\x01", 4));
  CHECK(connection_error(c).error().code() == v1::MALFORMED_FRAME);

  // A text frame.
  c.send_raw("{\"login\":\"ana\"}", /*binary=*/false);
  CHECK(connection_error(c).error().code() == v1::MALFORMED_FRAME);

  // An envelope that carries a response instead of a command.
  v1::Envelope backwards;
  backwards.set_request_id(5);
  backwards.mutable_response()->mutable_ack();
  c.send_raw(backwards.SerializeAsString());
  auto e = connection_error(c);
  CHECK(e.error().code() == v1::MALFORMED_FRAME);
  CHECK(e.request_id() == 5);

  still_serves(c);
  CHECK(w.db.query("SELECT count(*) FROM journal") == journal_before);
  CHECK(w.db.query("SELECT status_id FROM users WHERE login = 'ana'").empty());
}

TEST_CASE("bad input: unknown command, missing request id and invalid fields get typed errors") {
  World w;
  Client c(w.port());
  must_login(c, "ana", "ana-pass");

  // Envelope{request_id: 9, command: {field 99: varint 1}}: a command from a newer client.
  c.send_raw(std::string("\x08\x09\x1a\x03\x98\x06\x01", 7));
  auto unknown = c.next_frame();
  CHECK(unknown.request_id() == 9);
  CHECK(error_of(unknown) == v1::UNKNOWN_COMMAND);

  v1::Envelope no_id;
  no_id.mutable_command()->mutable_get_snapshot();
  c.send_raw(no_id.SerializeAsString());
  CHECK(error_of(c.next_frame()) == v1::INVALID_ARGUMENT);

  CHECK(error_of(c.set_status(0)) == v1::INVALID_ARGUMENT);
  CHECK(error_of(c.set_status(424242)) == v1::NOT_FOUND);
  CHECK(error_of(c.login("", "x")) == v1::INVALID_ARGUMENT);
  CHECK(error_of(c.login(std::string(65, 'a'), "x")) == v1::INVALID_ARGUMENT);
  // R-WRAP-1: ending a wrap-up the caller is not in.
  const auto journal_before = w.db.query("SELECT count(*) FROM journal");
  v1::Command end_wrap_up;
  end_wrap_up.mutable_end_wrap_up();
  CHECK(error_of(c.request(end_wrap_up)) == v1::FAILED_PRECONDITION);
  CHECK(w.db.query("SELECT count(*) FROM journal") == journal_before);
  still_serves(c);
  CHECK(w.db.query("SELECT status_id FROM users WHERE login = 'ana'").empty());
}

TEST_CASE("bad input: an oversized frame closes that connection with 1009, others keep being served") {
  DaemonOptions options;
  options.max_frame_bytes = 4096;
  World w(options);
  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");
  Client big(w.port());
  must_login(big, "ana", "ana-pass");
  sam.next_event();  // ana connected

  auto closed = big.send_until_closed(std::string(64 * 1024, 'x'));
  CHECK(closed.code == 1009);  // message too big

  // The server is still there for everyone else, and the big client's
  // disconnection was noticed.
  auto gone = sam.next_event().event();
  CHECK_FALSE(gone.presence_changed().connected());
  CHECK(sam.snapshot().has_response());
  Client fresh(w.port());
  must_login(fresh, "bob", "bob-pass");
  CHECK(http_get(w.port(), "/healthz").status == 200);
}
