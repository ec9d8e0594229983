#pragma once
// Typed errors returned by the engine. Every refusal leaves state unchanged.
#include <optional>
#include <string>
#include <string_view>

namespace contactd::core {

enum class ErrorCode {
  invalid_argument,     // malformed or out-of-range input
  not_found,            // an id or name that does not exist (or is not visible)
  already_exists,       // unique name taken
  permission_denied,    // caller's profile or memberships do not allow it
  unauthenticated,      // bad credentials, expired or revoked session
  failed_precondition,  // valid request, wrong state
  unavailable,          // temporarily unable (database down, shutting down)
  internal,             // a bug; never expected
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

// Result of an operation that produces nothing but may fail.
using MaybeError = std::optional<Error>;

}  // namespace contactd::core
