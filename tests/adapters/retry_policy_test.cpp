// The outbox's retry policy (channels/delivery/retry_policy.h): exponential
// backoff with jitter and a cap, the provider's Retry-After as a floor, and
// a bound on attempts (R-MSG-5: a message that cannot be sent ends failed).
#include <catch2/catch.hpp>

#include "channels/delivery/retry_policy.h"

using namespace contactd::channels;
using namespace std::chrono_literals;

TEST_CASE("R-MSG-5 retries back off exponentially up to the cap", "[outbox]") {
  RetryPolicy p{1s, 30s, 10, 0.0};
  CHECK(next_delay(p, 1, 0ms, 0.5) == 1000ms);
  CHECK(next_delay(p, 2, 0ms, 0.5) == 2000ms);
  CHECK(next_delay(p, 3, 0ms, 0.5) == 4000ms);
  CHECK(next_delay(p, 6, 0ms, 0.5) == 30000ms);
  CHECK(next_delay(p, 9, 0ms, 0.5) == 30000ms);
}

TEST_CASE("R-MSG-5 retry jitter stays within its band", "[outbox]") {
  RetryPolicy p{10s, 5min, 10, 0.2};
  CHECK(next_delay(p, 1, 0ms, 0.0) == 8000ms);
  CHECK(next_delay(p, 1, 0ms, 0.999999) >= 11999ms);
  CHECK(next_delay(p, 1, 0ms, 0.999999) <= 12000ms);
}

TEST_CASE("R-MSG-5 the provider's Retry-After is a floor, even above the cap", "[outbox]") {
  RetryPolicy p{1s, 30s, 10, 0.0};
  CHECK(next_delay(p, 1, 5s, 0.5) == 5000ms);
  CHECK(next_delay(p, 1, 120s, 0.5) == 120000ms);
  CHECK(next_delay(p, 5, 1s, 0.5) == 16000ms);
}

TEST_CASE("R-MSG-5 no attempt is left after max_attempts", "[outbox]") {
  RetryPolicy p{1s, 30s, 3, 0.0};
  CHECK(next_delay(p, 2, 0ms, 0.5).has_value());
  CHECK_FALSE(next_delay(p, 3, 0ms, 0.5).has_value());
  CHECK_FALSE(next_delay(p, 4, 0ms, 0.5).has_value());
}
