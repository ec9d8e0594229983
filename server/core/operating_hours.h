#pragma once
// Whether a campaign is inside its operating hours at an instant (R-TR-3).
// Time-zone rules come in through ZoneRules so the core stays free of any tz
// library; the daemon supplies the system tz database.
#include <optional>
#include <string_view>

#include "core/campaign_settings.h"
#include "core/time.h"

namespace contactd::core {

class ZoneRules {
 public:
  virtual ~ZoneRules() = default;
  // Local time minus UTC at `utc` in `zone`; empty for an unknown zone.
  virtual std::optional<Millis> utc_offset(std::string_view zone, TimePoint utc) const = 0;
};

// Knows only "UTC". The engine's default when the host supplies nothing.
class UtcOnly final : public ZoneRules {
 public:
  std::optional<Millis> utc_offset(std::string_view zone, TimePoint) const override {
    if (zone == "UTC") return Millis{0};
    return std::nullopt;
  }
};

// Open when the local time falls in one of the weekly ranges (no ranges:
// always) and the local date is not a holiday. An unknown zone is closed.
bool is_open(const OperatingHours& hours, TimePoint utc, const ZoneRules& rules);

}  // namespace contactd::core
