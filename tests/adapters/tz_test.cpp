#include <catch2/catch.hpp>

#include "tz/system_zones.h"

using namespace contactd;
using namespace std::chrono_literals;

namespace {
core::TimePoint at(long long unix_seconds) { return core::from_unix_ms(unix_seconds * 1000); }
// 2026-03-08 07:00 UTC: New York moves from UTC-5 to UTC-4.
constexpr long long kNewYorkDst = 1772953200;
}  // namespace

TEST_CASE("R-TR-3 system time zones: offsets follow the tz database, DST included") {
  tz::SystemZones zones;
  CHECK(zones.utc_offset("UTC", at(kNewYorkDst)) == core::Millis{0});
  CHECK(zones.utc_offset("America/New_York", at(kNewYorkDst - 1)) == -core::Millis{5 * 3600'000});
  CHECK(zones.utc_offset("America/New_York", at(kNewYorkDst)) == -core::Millis{4 * 3600'000});
  CHECK(zones.utc_offset("America/Sao_Paulo", at(kNewYorkDst)) == -core::Millis{3 * 3600'000});
  CHECK(zones.utc_offset("Asia/Kolkata", at(kNewYorkDst)) == core::Millis{5 * 3600'000 + 30 * 60'000});
  CHECK_FALSE(zones.utc_offset("Mars/Olympus", at(kNewYorkDst)));
  CHECK_FALSE(zones.utc_offset("", at(kNewYorkDst)));
}

TEST_CASE("R-TR-3 operating hours in New York across the DST change, with real rules") {
  tz::SystemZones zones;
  // Sundays 09:00-10:00 New York time.
  core::OperatingHours h{"America/New_York", {core::WeeklyRange{0, 9 * 60, 10 * 60}}, {}};
  const long long day = 86400;
  // Sunday 2026-03-01 (UTC-5): 09:30 local = 14:30 UTC.
  const long long march1 = kNewYorkDst - 7 * day - 7 * 3600;  // 2026-03-01 00:00 UTC
  CHECK(core::is_open(h, at(march1 + 14 * 3600 + 1800), zones));
  CHECK_FALSE(core::is_open(h, at(march1 + 13 * 3600 + 1800), zones));
  // Sunday 2026-03-08 (UTC-4 from 07:00 UTC): 09:30 local = 13:30 UTC.
  const long long march8 = march1 + 7 * day;
  CHECK(core::is_open(h, at(march8 + 13 * 3600 + 1800), zones));
  CHECK_FALSE(core::is_open(h, at(march8 + 14 * 3600 + 1800), zones));
}
