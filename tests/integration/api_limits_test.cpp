// Abusive clients: command floods and password guessing are refused with a
// typed error, without slowing anyone else (issue 4, item 4).
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
  CHECK(acked >= 100);                               // the burst
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
