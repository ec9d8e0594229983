// R-IN-6: a customer who leaves before any agent holds their conversation
// abandons it. A text contact that is with the bot or queued when its
// customer leaves (CustomerLeft), or whose customer has been away
// (CustomerAway) for the channel's grace without returning (CustomerReturned)
// while still nobody holds it, is closed as abandoned: it leaves the queue,
// its campaign's members are told (InteractionAbandoned) and the history
// records the outcome `abandoned`, as for a caller who hangs up in the queue.
// Work an agent holds is not abandoned: the agent is told the customer left
// (CustomerDeparted) and finishes it.
#include <cassert>

#include "core/engine_internal.h"

namespace contactd::core {

bool Engine::unheld(const Interaction& i) {
  return i.state == InteractionState::bot || (i.state == InteractionState::pending && i.call.ringing.empty());
}

MaybeError Engine::on(const Actor& actor, const CustomerLeft& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customers leave through their channel");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (unheld(i) && is_text(i.channel)) {
    abandon(i, p);
    return std::nullopt;
  }
  disarm_abandonment(i.id);
  p.emit(message_audience(i), CustomerDeparted{i.id});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CustomerAway& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customers leave through their channel");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  if (cmd.abandon_after <= Millis{0}) return error(ErrorCode::invalid_argument, "the grace must be positive");
  const Interaction& i = it->second;
  if (!is_text(i.channel) || !unheld(i)) return std::nullopt;  // an agent has it: they see the customer leave
  disarm_abandonment(i.id);
  const TimePoint deadline = p.now + cmd.abandon_after;
  abandon_deadlines_.emplace(deadline, i.id);
  abandon_deadline_of_[i.id] = deadline;
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CustomerReturned& cmd, Pending&) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customers return through their channel");
  if (!interactions_.count(cmd.interaction)) return error(ErrorCode::not_found, "no such interaction");
  disarm_abandonment(cmd.interaction);
  return std::nullopt;
}

void Engine::disarm_abandonment(InteractionId id) {
  auto it = abandon_deadline_of_.find(id);
  if (it == abandon_deadline_of_.end()) return;
  abandon_deadlines_.erase({it->second, id});
  abandon_deadline_of_.erase(it);
}

void Engine::abandon(Interaction& i, Pending& p) {
  assert(unheld(i));
  disarm_abandonment(i.id);
  if (auto bot = bot_deadline_of_.find(i.id); bot != bot_deadline_of_.end()) {
    bot_deadlines_.erase({bot->second, i.id});
    bot_deadline_of_.erase(bot);
  }
  if (i.state == InteractionState::pending) queues_[queue_key(i)].erase(i.id);
  if (i.transfer) transfer_deadlines_.erase({i.transfer->deadline, i.id});
  p.emit(inbox_audience(i), InteractionAbandoned{i.id, i.campaign});
  set_owner(i, kNoUser);
  forget_messages(i);
  interactions_.erase(i.id);
}

}  // namespace contactd::core
