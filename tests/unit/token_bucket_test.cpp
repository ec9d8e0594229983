#include <catch2/catch.hpp>

#include "core/token_bucket.h"

using namespace contactd::core;
using namespace std::chrono_literals;

TEST_CASE("rate limits: a token bucket allows its burst, then its rate, and refills while idle") {
  const TimePoint t0 = from_unix_ms(1'000'000);
  TokenBucket b(10.0, 3.0, t0);  // 10/s, burst 3
  CHECK(b.take(t0));
  CHECK(b.take(t0));
  CHECK(b.take(t0));
  CHECK_FALSE(b.take(t0));        // burst spent
  CHECK_FALSE(b.take(t0 + 50ms)); // half a token
  CHECK(b.take(t0 + 100ms));      // one more per 100 ms
  CHECK_FALSE(b.take(t0 + 100ms));
  CHECK_FALSE(b.full(t0 + 300ms));
  CHECK(b.full(t0 + 1s));         // never more than the burst
  CHECK(b.take(t0 + 1s));
  CHECK(b.take(t0 + 1s));
  CHECK(b.take(t0 + 1s));
  CHECK_FALSE(b.take(t0 + 1s));
  CHECK_FALSE(b.take(t0 + 500ms));  // time going backwards gives nothing
}
