#pragma once
// At most one log line per interval for a repeated event, carrying how many
// times it happened: a client (or the kernel) repeating an error must not be
// able to flood the log. Thread-safe.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace contactd::net {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

  // Counts one occurrence at `now`. Returns how many occurrences the line to
  // write now stands for (this one and those suppressed since the last line),
  // or nothing when the line is suppressed.
  std::optional<std::uint64_t> note(Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mu_);
    ++pending_;
    if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
    last_line_ = now;
    const auto count = pending_;
    pending_ = 0;
    return count;
  }

  Clock::duration interval() const { return interval_; }

 private:
  const Clock::duration interval_;
  std::mutex mu_;
  std::optional<Clock::time_point> last_line_;
  std::uint64_t pending_{0};
};

}  // namespace contactd::net
