#pragma once
// core::ZoneRules from the operating system's tz database (tzdata), through
// Howard Hinnant's date/tz library.
#include "core/operating_hours.h"

namespace contactd::tz {

class SystemZones final : public core::ZoneRules {
 public:
  std::optional<core::Millis> utc_offset(std::string_view zone, core::TimePoint utc) const override;
};

}  // namespace contactd::tz
