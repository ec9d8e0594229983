#pragma once
// The data structures behind automatic assignment (R-IN-3).
//
// AgentPool: the agents eligible for one (campaign, channel), ordered by a
// strategy score, lowest first. PendingQueue: one (campaign, channel)'s
// pending interactions, highest priority first, then arrival. Both answer
// best()/front() in O(1) and change in O(log n), so assignment cost grows
// with log(agents), not with agents.
#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/interaction.h"

namespace contactd::core {

class AgentPool {
 public:
  void upsert(UserId agent, std::int64_t score);
  void erase(UserId agent);
  bool contains(UserId agent) const { return score_.count(agent) > 0; }
  std::optional<UserId> best() const;
  std::size_t size() const { return score_.size(); }
  bool empty() const { return score_.empty(); }
  // The first `n` candidates with their scores, best first.
  std::vector<std::pair<UserId, std::int64_t>> top(std::size_t n) const;

 private:
  std::set<std::pair<std::int64_t, UserId>> ordered_;
  std::unordered_map<UserId, std::int64_t> score_;
};

class PendingQueue {
 public:
  void push(InteractionId id, std::int32_t priority, std::uint64_t seq);
  void erase(InteractionId id);
  std::optional<InteractionId> front() const;
  // Calls f(id) in queue order for at most `limit` interactions.
  template <class F>
  void for_each(std::size_t limit, F f) const {
    for (auto it = ordered_.begin(); it != ordered_.end() && limit > 0; ++it, --limit) f(std::get<2>(*it));
  }
  std::size_t size() const { return key_.size(); }
  bool empty() const { return key_.empty(); }

 private:
  using Key = std::tuple<std::int32_t, std::uint64_t, InteractionId>;  // (-priority, seq, id)
  std::set<Key> ordered_;
  std::unordered_map<InteractionId, Key> key_;
};

}  // namespace contactd::core
