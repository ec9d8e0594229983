#include "call/tracker.h"

namespace contactd::bench::call {

std::uint64_t Tracker::add(Clock::time_point scheduled) {
  std::lock_guard lock(mu_);
  const std::uint64_t serial = next_++;
  calls_[serial].scheduled = scheduled;
  return serial;
}

void Tracker::invited(std::uint64_t serial, Clock::time_point at) {
  std::lock_guard lock(mu_);
  calls_[serial].invited = at;
}

bool Tracker::answered(std::uint64_t serial, Clock::time_point at) {
  std::lock_guard lock(mu_);
  auto& c = calls_[serial];
  if (!c.answered) c.answered = at;
  return c.failure.empty();
}

void Tracker::rang(std::uint64_t serial, Clock::time_point at) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(serial);
  if (it != calls_.end() && !it->second.rang) it->second.rang = at;
}

bool Tracker::bridged(std::uint64_t serial, Clock::time_point at) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(serial);
  if (it == calls_.end() || it->second.bridged || !it->second.failure.empty()) return false;
  it->second.bridged = at;
  return true;
}

void Tracker::failed(std::uint64_t serial, const std::string& why) {
  std::lock_guard lock(mu_);
  auto& c = calls_[serial];
  if (!c.bridged && c.failure.empty()) c.failure = why;
}

void Tracker::hung_up(std::uint64_t serial) {
  std::lock_guard lock(mu_);
  calls_[serial].hung_up = true;
}

std::vector<std::uint64_t> Tracker::expire(std::uint64_t from, Clock::time_point now, Clock::duration limit) {
  std::vector<std::uint64_t> out;
  std::lock_guard lock(mu_);
  for (std::uint64_t serial = from; serial < next_; ++serial) {
    auto it = calls_.find(serial);
    if (it == calls_.end()) continue;
    auto& c = it->second;
    if (c.bridged || !c.failure.empty() || c.invited == Clock::time_point{} || now - c.invited < limit) continue;
    if (!c.answered) c.failure = c.rang ? "no 200 OK in time (agent phone rang)" : "no 200 OK in time";
    else c.failure = c.rang ? "answered, agent phone rang, no audio through the bridge in time"
                            : "answered, agent phone never rang in time";
    out.push_back(serial);
  }
  return out;
}

bool Tracker::settled(std::uint64_t from, std::uint64_t to) {
  std::lock_guard lock(mu_);
  for (std::uint64_t s = from; s < to; ++s) {
    auto it = calls_.find(s);
    if (it == calls_.end()) continue;
    const auto& c = it->second;
    if ((!c.bridged && c.failure.empty()) || !c.hung_up) return false;
  }
  return true;
}

std::vector<CallRecord> Tracker::records(std::uint64_t from, std::uint64_t to) {
  std::lock_guard lock(mu_);
  std::vector<CallRecord> out;
  for (std::uint64_t s = from; s < to; ++s)
    if (auto it = calls_.find(s); it != calls_.end()) out.push_back(it->second);
  return out;
}

std::uint64_t Tracker::next_serial() {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace contactd::bench::call
