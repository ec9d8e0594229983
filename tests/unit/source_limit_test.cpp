// Issue 11: INVITEs from unknown sources are limited per source address.
#include <catch2/catch.hpp>

#include "sip/calls_source_limit.h"

using namespace contactd;
using namespace std::chrono_literals;

TEST_CASE("R-SEC INVITEs from one unknown source are limited per minute, other sources are not affected") {
  core::ManualClock clock(core::from_unix_ms(1'000'000));
  sip::SourceLimit limit(5);
  for (int i = 0; i < 5; ++i) CHECK(limit.allow("192.0.2.1", clock.now()));
  CHECK_FALSE(limit.allow("192.0.2.1", clock.now()));
  CHECK(limit.allow("192.0.2.2", clock.now()));  // another source has its own budget
  clock.advance(11s);                            // 5 a minute: one back every 12 s
  CHECK_FALSE(limit.allow("192.0.2.1", clock.now()));
  clock.advance(1s);
  CHECK(limit.allow("192.0.2.1", clock.now()));
  CHECK_FALSE(limit.allow("192.0.2.1", clock.now()));
}

TEST_CASE("R-SEC the per-source INVITE table is bounded: idle sources are forgotten, a full table refuses new ones") {
  core::ManualClock clock(core::from_unix_ms(1'000'000));
  sip::SourceLimit limit(2, 3);
  CHECK(limit.allow("a", clock.now()));
  CHECK(limit.allow("b", clock.now()));
  CHECK(limit.allow("c", clock.now()));
  CHECK_FALSE(limit.allow("d", clock.now()));  // three sources still limited: no room
  CHECK(limit.sources() == 3);
  clock.advance(30s);  // 2 a minute: each bucket is full again
  CHECK(limit.allow("d", clock.now()));
  CHECK(limit.sources() == 1);
}

TEST_CASE("R-SEC a per-source INVITE limit of 0 means no limit") {
  core::ManualClock clock(core::from_unix_ms(1'000'000));
  sip::SourceLimit limit(0);
  for (int i = 0; i < 1000; ++i) REQUIRE(limit.allow("192.0.2.1", clock.now()));
}
