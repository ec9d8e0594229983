#pragma once
// Time as the core sees it: wall-clock milliseconds passed in by the host.
// The core never reads a clock itself; adapters inject a Clock (tests use ManualClock).
#include <chrono>
#include <cstdint>

namespace contactd::core {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Millis>;

inline std::int64_t to_unix_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix_ms(std::int64_t ms) { return TimePoint{Millis{ms}}; }
// Unix times clients may send: the years 1970 to 9999, which PostgreSQL's
// timestamps and the engine's arithmetic hold without overflow.
inline constexpr std::int64_t kMaxUnixMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
inline bool valid_unix_ms(std::int64_t ms) { return ms >= 0 && ms <= kMaxUnixMs; }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// Reads the system clock. The only place wall time enters the process.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to. For tests and replays.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Millis by) { now_ += by; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

}  // namespace contactd::core
