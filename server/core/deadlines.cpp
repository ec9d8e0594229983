#include "core/deadlines.h"

#include <limits>
#include <tuple>

namespace contactd::core {

bool DeadlineKindFirst::operator()(const Deadline& a, const Deadline& b) const {
  return std::tie(a.kind, a.at, a.id) < std::tie(b.kind, b.at, b.id);
}

void DeadlineQueue::arm(DeadlineKind kind, std::uint64_t id, TimePoint at) {
  disarm(kind, id);
  const Deadline d{at, kind, id};
  by_time_.insert(d);
  by_kind_.insert(d);
  at_[static_cast<std::size_t>(kind)].emplace(id, at);
}

bool DeadlineQueue::disarm(DeadlineKind kind, std::uint64_t id) {
  auto& of_kind = at_[static_cast<std::size_t>(kind)];
  auto it = of_kind.find(id);
  if (it == of_kind.end()) return false;
  const Deadline d{it->second, kind, id};
  by_time_.erase(d);
  by_kind_.erase(d);
  of_kind.erase(it);
  return true;
}

std::optional<TimePoint> DeadlineQueue::when(DeadlineKind kind, std::uint64_t id) const {
  const auto& of_kind = at_[static_cast<std::size_t>(kind)];
  auto it = of_kind.find(id);
  if (it == of_kind.end()) return std::nullopt;
  return it->second;
}

std::optional<Deadline> DeadlineQueue::next() const {
  if (by_time_.empty()) return std::nullopt;
  return *by_time_.begin();
}

std::optional<Deadline> DeadlineQueue::pop_due(TimePoint now) {
  if (by_time_.empty() || by_time_.begin()->at > now) return std::nullopt;
  const Deadline d = *by_time_.begin();
  disarm(d.kind, d.id);
  return d;
}

DeadlineQueue::KindRange DeadlineQueue::of(DeadlineKind kind) const {
  const Deadline first{TimePoint::min(), kind, 0};
  const Deadline last{TimePoint::max(), kind, std::numeric_limits<std::uint64_t>::max()};
  return {by_kind_.lower_bound(first), by_kind_.upper_bound(last)};
}

}  // namespace contactd::core
