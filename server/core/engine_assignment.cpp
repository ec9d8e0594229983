// Automatic assignment (R-IN-3, R-IN-4, R-IN-5). Each auto-assigning
// (campaign, channel) has an AgentPool of eligible agents scored by the
// campaign's strategy and a PendingQueue. Invariant after every command: no
// pool has both an eligible agent and a pending interaction, so nothing waits
// while someone could take it.
#include <tuple>

#include "core/engine_internal.h"

namespace contactd::core {

std::string_view to_string(AssignHow h) {
  switch (h) {
    case AssignHow::take: return "take";
    case AssignHow::automatic: return "automatic";
    case AssignHow::transfer: return "transfer";
    case AssignHow::returned: return "returned";
    case AssignHow::started: return "started";
  }
  return "take";
}

std::uint64_t Engine::next_random() {
  // xorshift64*: deterministic for a given seed and command sequence.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1DULL;
}

std::uint16_t Engine::capacity(const User& u, const Campaign& c, Channel ch) const {
  return u.capacity[index(ch)] ? u.capacity[index(ch)] : c.settings.default_capacity[index(ch)];
}

bool Engine::eligible(const User& u, const Campaign& c, Channel ch, bool hub) const {
  // REQUIRES: `u` is a member of `c` (callers iterate the user's campaigns).
  return u.profile == Profile::agent && !u.deactivated && u.connected() && !u.status &&
         !(ch == Channel::phone && (u.wrap_up_until || !u.phone || u.ringing)) &&
         u.active[index(ch)] < capacity(u, c, ch) && !c.archived && c.settings.has(ch) &&
         (!hub || c.members.at(u.id).outbound.test(index(ch)));
}

std::int64_t Engine::score(const User& u, const Campaign& c) const {
  switch (c.settings.strategy) {
    case Strategy::longest_idle:
      // Agents with nothing active first, then the one idle since the earliest time.
      return (static_cast<std::int64_t>(u.active_total()) << 42) + to_unix_ms(u.idle_since);
    case Strategy::round_robin: return static_cast<std::int64_t>(u.last_assigned);
    case Strategy::fewest_active: return u.active_total();
    case Strategy::least_talk_time: return u.talk_ms;
    case Strategy::agent_order: return c.members.at(u.id).order;
    case Strategy::random: return static_cast<std::int64_t>(u.random_ticket >> 1);
    case Strategy::manual:
    case Strategy::ring_all: return 0;
  }
  return 0;
}

void Engine::refresh_agent(User& u, Pending& p, bool assign_now) {
  std::vector<std::tuple<CampaignId, Channel, bool>> to_drain;
  for (CampaignId cid : u.campaigns) {
    const Campaign& c = campaigns_.at(cid);
    if (c.settings.strategy == Strategy::manual) continue;
    for (std::size_t k = 0; k < kChannelCount; ++k) {
      const auto ch = static_cast<Channel>(k);
      if (!c.settings.has(ch) || !auto_assigns(c.settings.strategy, ch)) continue;
      for (bool hub : {false, true}) {
        if (hub && !c.any_outbound.test(k)) continue;  // no member may serve the hub lane
        const PoolKey key = pool_key(cid, ch, hub);
        if (eligible(u, c, ch, hub)) {
          pools_[key].upsert(u.id, score(u, c));
          if (assign_now) {
            auto q = queues_.find(key);
            if (q != queues_.end() && !q->second.empty()) to_drain.emplace_back(cid, ch, hub);
          }
        } else if (auto pool = pools_.find(key); pool != pools_.end()) {
          pool->second.erase(u.id);
        }
      }
    }
  }
  for (auto [cid, ch, hub] : to_drain) drain(cid, ch, hub, p);
}

void Engine::refresh_campaign(Campaign& c, Pending& p) {
  for (std::size_t k = 0; k < kChannelCount; ++k)
    for (bool hub : {false, true}) pools_.erase(pool_key(c.id, static_cast<Channel>(k), hub));
  for (const auto& [uid, m] : c.members) refresh_agent(users_.at(uid), p, /*assign_now=*/false);
  for (std::size_t k = 0; k < kChannelCount; ++k)
    for (bool hub : {false, true}) drain(c.id, static_cast<Channel>(k), hub, p);
}

void Engine::drain(CampaignId cid, Channel ch, bool hub, Pending& p) {
  const Campaign& c = campaigns_.at(cid);
  if (!auto_assigns(c.settings.strategy, ch) || c.archived) return;
  const PoolKey key = pool_key(cid, ch, hub);
  // Looked up again each round: assigning refreshes agents, which may add pools.
  for (;;) {
    auto q = queues_.find(key);
    auto pool = pools_.find(key);
    if (q == queues_.end() || pool == pools_.end() || q->second.empty() || pool->second.empty()) return;
    Interaction& i = interactions_.at(*q->second.front());
    if (ch == Channel::phone) {  // a call rings first; it is assigned when a phone answers
      offer_call(i, ring_choice(i, pool->second, c.settings.strategy == Strategy::ring_all), AssignHow::automatic, p);
      continue;
    }
    User& agent = users_.at(*pool->second.best());
    std::vector<Candidate> considered;
    for (auto [agent_id, s] : pool->second.top(5)) considered.push_back(Candidate{agent_id, s});
    assign(i, agent, AssignHow::automatic, static_cast<std::uint32_t>(pool->second.size()), std::move(considered), p);
  }
}

void Engine::assign(Interaction& i, User& agent, AssignHow how, std::uint32_t candidates,
                    std::vector<Candidate> considered, Pending& p) {
  if (i.state == InteractionState::pending) {
    queues_[queue_key(i)].erase(i.id);
  }
  if (i.transfer) {
    deadlines_.disarm(DeadlineKind::transfer, i.id);
    i.transfer.reset();
  }
  i.state = InteractionState::active;
  set_owner(i, agent.id);
  i.assigned_at = p.now;
  agent.active[index(i.channel)]++;
  agent.last_assigned = ++assign_tick_;
  agent.random_ticket = next_random();
  p.emit(inbox_audience(i), InteractionAssigned{i.id, i.campaign, agent.id, how,
                                                campaigns_.at(i.campaign).settings.strategy, candidates,
                                                std::move(considered)});
  refresh_agent(agent, p, /*assign_now=*/false);
}

void Engine::release(Interaction& i, Pending& p) {
  User& owner = users_.at(i.owner);
  owner.active[index(i.channel)]--;
  owner.talk_ms += (p.now - i.assigned_at).count();
  if (owner.active_total() == 0) owner.idle_since = p.now;
  // Journal only: keeps longest-idle and least-talk-time fair across restarts.
  p.emit({}, AgentLoadChanged{owner.id, owner.talk_ms, owner.idle_since});
  if (owner.active_total() == 0) {
    if (owner.grace_until) {
      deadlines_.disarm(DeadlineKind::grace, owner.id);
      owner.grace_until.reset();
    }
  }
}

void Engine::return_to_queue(User& u, Pending& p) {
  u.grace_until.reset();
  std::vector<InteractionId> owned;
  if (auto it = owned_.find(u.id); it != owned_.end())
    for (InteractionId id : it->second)  // in id order: deterministic
      if (const Interaction& i = interactions_.at(id); i.state == InteractionState::active && i.channel != Channel::phone)
        owned.push_back(id);  // a call stays with the agent talking on it, connected to the API or not
  for (InteractionId id : owned) {
    Interaction& i = interactions_.at(id);
    if (i.transfer) {  // a pending agent transfer dies with its origin
      deadlines_.disarm(DeadlineKind::transfer, i.id);
      i.transfer.reset();
    }
    release(i, p);
    p.emit(inbox_audience(i), InteractionQueued{i.id, i.campaign, QueueReason::returned});
    enqueue(i, p);
  }
  refresh_agent(u, p);
}

}  // namespace contactd::core
