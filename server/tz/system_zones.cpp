#include "tz/system_zones.h"

#include <date/tz.h>

#include <string>

namespace contactd::tz {

std::optional<core::Millis> SystemZones::utc_offset(std::string_view zone, core::TimePoint utc) const {
  const date::time_zone* z = nullptr;
  try {
    z = date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    return std::nullopt;  // unknown zone name
  }
  const auto info = z->get_info(std::chrono::time_point_cast<std::chrono::seconds>(utc));
  return std::chrono::duration_cast<core::Millis>(info.offset);
}

}  // namespace contactd::tz
