#pragma once
// A log that a client cannot flood: at most `burst` lines, refilled at
// `per_second`; the lines held back are counted and the count is told with
// the next line that passes. Thread-safe.
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

namespace contactd::api {

class LimitedLog {
 public:
  LimitedLog(double per_second = 1.0, double burst = 10.0) : rate_(per_second), burst_(burst), tokens_(burst) {}

  template <class... Args>
  void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::warn, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::info, format, std::forward<Args>(args)...);
  }

 private:
  template <class... Args>
  void log(spdlog::level::level_enum level, spdlog::format_string_t<Args...> format, Args&&... args) {
    std::uint64_t held_back = 0;
    {
      std::lock_guard lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
      last_ = now;
      if (tokens_ < 1.0) {
        ++suppressed_;
        return;
      }
      tokens_ -= 1.0;
      held_back = suppressed_;
      suppressed_ = 0;
    }
    if (held_back) spdlog::log(level, "({} similar lines were not logged)", held_back);
    spdlog::log(level, format, std::forward<Args>(args)...);
  }

  const double rate_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{std::chrono::steady_clock::now()};
  std::uint64_t suppressed_{0};
};

}  // namespace contactd::api
