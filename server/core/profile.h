#pragma once
// User profiles, ordered by reach: each profile can do what the ones before it can.
#include <optional>
#include <string_view>

namespace contactd::core {

enum class Profile { agent, supervisor, administrator, super_user };

std::string_view to_string(Profile p);
std::optional<Profile> profile_from_string(std::string_view s);

// Administrators and super users see and manage every campaign and user.
inline bool is_admin(Profile p) { return p == Profile::administrator || p == Profile::super_user; }

}  // namespace contactd::core
