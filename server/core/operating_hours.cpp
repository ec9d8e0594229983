#include "core/operating_hours.h"

#include <algorithm>

namespace contactd::core {
namespace {

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
LocalDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint32_t>(z - era * 146097);
  const std::uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const std::uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint32_t mp = (5 * doy + 2) / 153;
  const std::uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return LocalDate{static_cast<std::int16_t>(y + (m <= 2)), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

bool is_open(const OperatingHours& hours, TimePoint utc, const ZoneRules& rules) {
  const auto offset = rules.utc_offset(hours.time_zone, utc);
  if (!offset) return false;
  const std::int64_t local_ms = to_unix_ms(utc) + offset->count();
  const std::int64_t days = floor_div(local_ms, 86'400'000);
  const auto minute = static_cast<std::uint16_t>((local_ms - days * 86'400'000) / 60'000);
  const auto weekday = static_cast<std::uint8_t>((days % 7 + 7 + 4) % 7);  // 1970-01-01 was a Thursday (4)
  const LocalDate date = civil_from_days(days);
  if (std::find(hours.holidays.begin(), hours.holidays.end(), date) != hours.holidays.end()) return false;
  if (hours.weekly.empty()) return true;
  return std::any_of(hours.weekly.begin(), hours.weekly.end(), [&](const WeeklyRange& r) {
    return r.weekday == weekday && minute >= r.start_minute && minute < r.end_minute;
  });
}

}  // namespace contactd::core
