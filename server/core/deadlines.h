#pragma once
// The engine's timed rules in one queue (the redis ae idea: one timer list).
//
// DeadlineQueue holds at most one deadline per (kind, id) and gives them up
// in firing order: time, then kind (DeadlineKind's order), then id. arm,
// disarm and pop_due are O(log n); next() is O(1); when() is O(1) on average
// (a hash lookup); of(kind) finds its first deadline in O(log n). Pure: no
// I/O, no clock (the caller supplies `now`), deterministic.
//
// A new timed rule adds one DeadlineKind and one case in Engine::tick.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <set>
#include <unordered_map>

#include "core/time.h"

namespace contactd::core {

// In tie-break order: deadlines due at the same time fire kind by kind.
enum class DeadlineKind : std::uint8_t {
  session,      // id: a session; it expires
  transfer,     // id: an interaction; its transfer returns to the origin (R-TR-4)
  bot,          // id: an interaction; the bot did not answer in time
  grace,        // id: a user; their disconnect grace ends, their work returns to the queue
  wrap_up,      // id: a user; their wrap-up ends
  ring,         // id: an interaction; its call rang unanswered
  phone,        // id: a user; their phone registration expires
  abandonment,  // id: an interaction; its away customer did not return (R-IN-6)
  attempt,      // id: an Outbound Hub attempt; it falls due
};
inline constexpr std::size_t kDeadlineKindCount = static_cast<std::size_t>(DeadlineKind::attempt) + 1;

struct Deadline {
  TimePoint at;
  DeadlineKind kind{};
  std::uint64_t id{0};
  friend auto operator<=>(const Deadline&, const Deadline&) = default;  // the firing order
};

// Orders one kind's deadlines together, by time then id.
struct DeadlineKindFirst {
  bool operator()(const Deadline& a, const Deadline& b) const;
};

class DeadlineQueue {
 public:
  using KindRange = std::ranges::subrange<std::set<Deadline, DeadlineKindFirst>::const_iterator>;

  // Arms (kind, id) for `at`, replacing its earlier deadline if it had one.
  void arm(DeadlineKind kind, std::uint64_t id, TimePoint at);
  // Disarms (kind, id). Returns whether it was armed; when not, nothing changes.
  bool disarm(DeadlineKind kind, std::uint64_t id);
  std::optional<TimePoint> when(DeadlineKind kind, std::uint64_t id) const;
  // The earliest deadline, if any.
  std::optional<Deadline> next() const;
  // Removes and returns the earliest deadline if it is due at or before `now`.
  std::optional<Deadline> pop_due(TimePoint now);
  // The deadlines of one kind, by time then id. Invalidated by any change.
  KindRange of(DeadlineKind kind) const;
  std::size_t size() const { return by_time_.size(); }
  bool empty() const { return by_time_.empty(); }

 private:
  std::set<Deadline> by_time_;
  std::set<Deadline, DeadlineKindFirst> by_kind_;
  std::array<std::unordered_map<std::uint64_t, TimePoint>, kDeadlineKindCount> at_;  // per kind: id -> time
};

}  // namespace contactd::core
