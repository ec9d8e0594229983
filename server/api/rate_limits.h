#pragma once
// Rate limits on client commands (per connection and per user) and on login
// attempts. Thread-safe: checked from the I/O threads before any work is
// queued, so a flooding client costs little and slows nobody else.
//
// R-SEC-3 login attempts: an attempt is counted as a failure when it starts,
// before its password is hashed, and refunded only if it succeeds, so that
// concurrent guesses cannot outrun the count. Failures are counted per
// (source address, login), per source address and per login across sources,
// each within `login_window`: a guesser at one address locks out that address
// only, never the real user elsewhere; many addresses guessing one login are
// held by the far higher per-login bound. IPv6 sources count per /64.
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
  int login_failures{5};                // per (source address, login) within login_window
  int login_failures_per_source{20};    // per source address, any logins
  int login_failures_per_login{100};    // per login, from all sources together
  std::chrono::seconds login_window{60};
};

enum class LoginGate {
  allowed,        // counted; call login_succeeded() if the password checks out
  pair_locked,    // this address guessed this login too often
  source_locked,  // this address failed too often, whatever the login
  login_locked,   // this login failed too often from everywhere
};

class RateLimits {
 public:
  RateLimits(RateLimitOptions options, const core::Clock& clock) : options_(options), clock_(clock) {}

  // One command from `connection` (and its user, once logged in).
  bool allow_command(core::ConnectionId connection);
  // The connection now acts for `user` (after login or resume).
  void bind(core::ConnectionId connection, core::UserId user);
  // The connection logged out: it acts for nobody until it logs in again.
  void unbind(core::ConnectionId connection);
  // Whether the connection has logged in or resumed (and not logged out).
  bool bound(core::ConnectionId connection);
  void forget(core::ConnectionId connection);

  // Starts a login attempt (see the header comment). Nothing is counted
  // unless it returns `allowed`.
  LoginGate begin_login(const std::string& source, const std::string& login);
  // The attempt begun for (source, login) succeeded: its count is refunded and
  // this pair's failures are forgotten.
  void login_succeeded(const std::string& source, const std::string& login);

  // The key failures of `address` are counted under (an IPv6 /64, else the address).
  static std::string source_key(const std::string& address);

 private:
  struct Failures {
    int count{0};
    core::TimePoint since{};
  };
  using FailureMap = std::unordered_map<std::string, Failures>;
  // REQUIRES: mu_ held.
  int failures(FailureMap& map, const std::string& key, core::TimePoint now);
  void count_failure(FailureMap& map, const std::string& key, core::TimePoint now);
  void refund(FailureMap& map, const std::string& key);

  RateLimitOptions options_;
  const core::Clock& clock_;
  std::mutex mu_;
  std::unordered_map<core::ConnectionId, core::TokenBucket> connections_;
  std::unordered_map<core::ConnectionId, core::UserId> user_of_;
  std::unordered_map<core::UserId, core::TokenBucket> users_;
  FailureMap by_pair_;    // source key + '\n' + login
  FailureMap by_source_;  // source key
  FailureMap by_login_;   // login
};

}  // namespace contactd::api
