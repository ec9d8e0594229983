#pragma once
// Rate limits on client commands (per connection and per user) and on failed
// logins (per login name). Thread-safe: checked from the I/O threads before
// any work is queued, so a flooding client costs little and slows nobody else.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/ids.h"
#include "core/time.h"
#include "core/token_bucket.h"

namespace contactd::api {

struct RateLimitOptions {
  double connection_per_second{50};
  double connection_burst{100};
  double user_per_second{100};  // over all of a user's connections
  double user_burst{200};
  int login_failures{5};        // per login name within login_window; then refused until it passes
  std::chrono::seconds login_window{60};
};

class RateLimits {
 public:
  RateLimits(RateLimitOptions options, const core::Clock& clock) : options_(options), clock_(clock) {}

  // One command from `connection` (and its user, once logged in).
  bool allow_command(core::ConnectionId connection);
  // The connection now acts for `user` (after login or resume).
  void bind(core::ConnectionId connection, core::UserId user);
  void forget(core::ConnectionId connection);

  bool login_allowed(const std::string& login);
  void login_failed(const std::string& login);
  void login_succeeded(const std::string& login);

 private:
  struct Failures {
    int count{0};
    core::TimePoint since{};
  };

  RateLimitOptions options_;
  const core::Clock& clock_;
  std::mutex mu_;
  std::unordered_map<core::ConnectionId, core::TokenBucket> connections_;
  std::unordered_map<core::ConnectionId, core::UserId> user_of_;
  std::unordered_map<core::UserId, core::TokenBucket> users_;
  std::unordered_map<std::string, Failures> failures_;
};

}  // namespace contactd::api
