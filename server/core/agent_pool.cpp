#include "core/agent_pool.h"

namespace contactd::core {

void AgentPool::upsert(UserId agent, std::int64_t score) {
  auto it = score_.find(agent);
  if (it != score_.end()) {
    if (it->second == score) return;
    ordered_.erase({it->second, agent});
    it->second = score;
  } else {
    score_.emplace(agent, score);
  }
  ordered_.emplace(score, agent);
}

void AgentPool::erase(UserId agent) {
  auto it = score_.find(agent);
  if (it == score_.end()) return;
  ordered_.erase({it->second, agent});
  score_.erase(it);
}

std::optional<UserId> AgentPool::best() const {
  if (ordered_.empty()) return std::nullopt;
  return ordered_.begin()->second;
}

std::vector<std::pair<UserId, std::int64_t>> AgentPool::top(std::size_t n) const {
  std::vector<std::pair<UserId, std::int64_t>> out;
  for (auto it = ordered_.begin(); it != ordered_.end() && out.size() < n; ++it) out.emplace_back(it->second, it->first);
  return out;
}

void PendingQueue::push(InteractionId id, std::int32_t priority, std::uint64_t seq) {
  erase(id);
  Key key{-priority, seq, id};
  ordered_.insert(key);
  key_.emplace(id, key);
}

void PendingQueue::erase(InteractionId id) {
  auto it = key_.find(id);
  if (it == key_.end()) return;
  ordered_.erase(it->second);
  key_.erase(it);
}

std::optional<InteractionId> PendingQueue::front() const {
  if (ordered_.empty()) return std::nullopt;
  return std::get<2>(*ordered_.begin());
}

}  // namespace contactd::core
