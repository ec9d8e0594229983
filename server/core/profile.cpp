#include "core/profile.h"

#include <array>
#include <utility>

namespace contactd::core {
namespace {
constexpr std::array<std::pair<Profile, std::string_view>, 4> kNames{{
    {Profile::agent, "agent"},
    {Profile::supervisor, "supervisor"},
    {Profile::administrator, "administrator"},
    {Profile::super_user, "super_user"},
}};
}  // namespace

std::string_view to_string(Profile p) {
  for (const auto& [value, name] : kNames)
    if (value == p) return name;
  return "agent";
}

std::optional<Profile> profile_from_string(std::string_view s) {
  for (const auto& [value, name] : kNames)
    if (name == s) return value;
  return std::nullopt;
}

}  // namespace contactd::core
