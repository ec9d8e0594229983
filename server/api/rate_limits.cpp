#include "api/rate_limits.h"

namespace contactd::api {
namespace {

constexpr std::size_t kMaxTrackedLogins = 100'000;
constexpr std::size_t kMaxTrackedUsers = 100'000;

}  // namespace

bool RateLimits::allow_command(core::ConnectionId connection) {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  auto c = connections_.try_emplace(connection, options_.connection_per_second, options_.connection_burst, now).first;
  if (!c->second.take(now)) return false;
  auto u = user_of_.find(connection);
  if (u == user_of_.end()) return true;
  if (users_.size() > kMaxTrackedUsers)  // users at rest need no bucket
    std::erase_if(users_, [&](auto& entry) { return entry.second.full(now); });
  auto b = users_.try_emplace(u->second, options_.user_per_second, options_.user_burst, now).first;
  return b->second.take(now);
}

void RateLimits::bind(core::ConnectionId connection, core::UserId user) {
  std::lock_guard lock(mu_);
  user_of_[connection] = user;
}

void RateLimits::forget(core::ConnectionId connection) {
  std::lock_guard lock(mu_);
  connections_.erase(connection);
  user_of_.erase(connection);
}

bool RateLimits::login_allowed(const std::string& login) {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = failures_.find(login);
  if (it == failures_.end()) return true;
  if (now - it->second.since >= options_.login_window) {
    failures_.erase(it);
    return true;
  }
  return it->second.count < options_.login_failures;
}

void RateLimits::login_failed(const std::string& login) {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  if (failures_.size() >= kMaxTrackedLogins)
    std::erase_if(failures_, [&](const auto& entry) { return now - entry.second.since >= options_.login_window; });
  if (failures_.size() >= kMaxTrackedLogins) return;  // under a flood of names: the per-connection limit still holds
  Failures& f = failures_[login];
  if (f.count == 0 || now - f.since >= options_.login_window) f = Failures{0, now};
  ++f.count;
}

void RateLimits::login_succeeded(const std::string& login) {
  std::lock_guard lock(mu_);
  failures_.erase(login);
}

}  // namespace contactd::api
