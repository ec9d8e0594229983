#include "api/rate_limits.h"

#include <boost/asio/ip/address.hpp>

namespace contactd::api {
namespace {

constexpr std::size_t kMaxTracked = 100'000;
constexpr std::size_t kMaxTrackedUsers = 100'000;

std::string pair_key(const std::string& source, const std::string& login) { return source + '\n' + login; }

}  // namespace

std::string RateLimits::source_key(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  if (ec || !parsed.is_v6()) return address;
  auto v6 = parsed.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);  // one /64 is one subscriber
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

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

void RateLimits::unbind(core::ConnectionId connection) {
  std::lock_guard lock(mu_);
  user_of_.erase(connection);
}

bool RateLimits::bound(core::ConnectionId connection) {
  std::lock_guard lock(mu_);
  return user_of_.contains(connection);
}

void RateLimits::forget(core::ConnectionId connection) {
  std::lock_guard lock(mu_);
  connections_.erase(connection);
  user_of_.erase(connection);
}

int RateLimits::failures(FailureMap& map, const std::string& key, core::TimePoint now) {
  auto it = map.find(key);
  if (it == map.end()) return 0;
  if (now - it->second.since >= options_.login_window) {
    map.erase(it);
    return 0;
  }
  return it->second.count;
}

void RateLimits::count_failure(FailureMap& map, const std::string& key, core::TimePoint now) {
  if (map.size() >= kMaxTracked)
    std::erase_if(map, [&](const auto& entry) { return now - entry.second.since >= options_.login_window; });
  if (map.size() >= kMaxTracked && !map.contains(key)) return;  // a flood of keys: the other counts still hold
  Failures& f = map[key];
  if (f.count == 0 || now - f.since >= options_.login_window) f = Failures{0, now};
  ++f.count;
}

void RateLimits::refund(FailureMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return;
  if (--it->second.count <= 0) map.erase(it);
}

LoginGate RateLimits::begin_login(const std::string& address, const std::string& login) {
  const core::TimePoint now = clock_.now();
  const std::string source = source_key(address);
  const std::string pair = pair_key(source, login);
  std::lock_guard lock(mu_);
  if (failures(by_pair_, pair, now) >= options_.login_failures) return LoginGate::pair_locked;
  if (failures(by_source_, source, now) >= options_.login_failures_per_source) return LoginGate::source_locked;
  if (failures(by_login_, login, now) >= options_.login_failures_per_login) return LoginGate::login_locked;
  count_failure(by_pair_, pair, now);
  count_failure(by_source_, source, now);
  count_failure(by_login_, login, now);
  return LoginGate::allowed;
}

void RateLimits::login_succeeded(const std::string& address, const std::string& login) {
  const std::string source = source_key(address);
  std::lock_guard lock(mu_);
  by_pair_.erase(pair_key(source, login));
  refund(by_source_, source);
  refund(by_login_, login);
}

}  // namespace contactd::api
