// Abusive clients: command floods and password guessing are refused with a
// typed error, without slowing anyone else (issue 4, item 4).
#include <google/protobuf/stubs/logging.h>

#include <chrono>

#include "world.h"

using namespace contactd::test;

TEST_CASE("rate limits: a flooding connection gets RATE_LIMITED while another client is served normally") {
  World w;
  Client flood(w.port());
  must_login(flood, "ana", "ana-pass");
  Client calm(w.port());
  must_login(calm, "sam", "sam-pass");

  v1::Command clear;
  clear.mutable_clear_status();
  constexpr int kSent = 400;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < kSent; ++i) ids.push_back(flood.send(clear));
  int acked = 0, limited = 0;
  for (std::size_t answered = 0; answered < ids.size();) {
    auto e = flood.next_frame();
    if (e.request_id() == 0) continue;  // an event
    ++answered;
    if (e.has_response()) ++acked;
    else if (e.error().code() == v1::RATE_LIMITED) ++limited;
    else FAIL(e.DebugString());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(acked + limited == kSent);
  CHECK(limited > 0);
  CHECK(acked >= 99);                                // the burst, less the login's token
  CHECK(acked <= 100 + 50 * seconds + 5);            // then 50 per second
  require_ack(calm.request(clear));                  // others are not affected
}

TEST_CASE("rate limits: after 5 failed logins a login is refused with RATE_LIMITED, even with the right password") {
  World w;
  for (int i = 0; i < 5; ++i) {
    Client c(w.port());
    CHECK(c.login("bob", "wrong-" + std::to_string(i)).error().code() == v1::UNAUTHENTICATED);
  }
  Client c(w.port());
  auto refused = c.login("bob", "bob-pass");
  CHECK(refused.error().code() == v1::RATE_LIMITED);
  // Other logins are not affected.
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
}

TEST_CASE("R-SEC frames with invalid UTF-8 get MALFORMED_FRAME, the daemon logs a bounded, counted protobuf line") {
  World w;
  Client c(w.port());
  v1::Envelope bad;
  bad.set_request_id(1);
  bad.mutable_command()->mutable_login()->set_login(std::string("\xff\xfe bad", 6));
  bad.mutable_command()->mutable_login()->set_password("x");
  std::string bytes;
  {
    google::protobuf::LogSilencer quiet;  // this process's own serializer complains too
    bytes = bad.SerializeAsString();
  }
  constexpr int kFrames = 60;
  for (int i = 0; i < kFrames; ++i) c.send_raw(bytes);
  for (int i = 0; i < kFrames; ++i) {
    auto e = c.next_frame();
    INFO(e.DebugString());
    REQUIRE(e.has_error());
    CHECK((e.error().code() == v1::MALFORMED_FRAME || e.error().code() == v1::INVALID_ARGUMENT));
  }
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");  // still serving
  const auto log = w.daemon.log();
  std::size_t lines = 0;
  for (auto pos = log.find("libprotobuf"); pos != std::string::npos; pos = log.find("libprotobuf", pos + 1)) ++lines;
  CHECK(lines >= 1);
  CHECK(lines <= 3);
}
