#pragma once
// API commands that the engine handles as the caller, mapped to core
// commands. Shape errors (unknown enum values, missing ids) are answered
// here; every rule is the engine's.
#include <optional>
#include <variant>

#include "contactd/v1/commands.pb.h"
#include "core/commands.h"
#include "core/error.h"

namespace contactd::api {

using Mapped = std::variant<core::CommandBody, core::Error>;

// Empty for commands that need more than the caller's identity (login,
// resume, logout, get_snapshot, create_user: the dispatcher handles those).
std::optional<Mapped> to_core(const contactd::v1::Command& command);

std::optional<core::Profile> profile_from_proto(contactd::v1::Profile p);
// UpdateUser with the new password already hashed (if one was given).
Mapped update_user(const contactd::v1::UpdateUser& u, std::optional<std::string> password_hash);

}  // namespace contactd::api
