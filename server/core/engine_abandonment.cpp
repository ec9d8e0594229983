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
  deadlines_.disarm(DeadlineKind::abandonment, i.id);
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
  deadlines_.arm(DeadlineKind::abandonment, i.id, p.now + cmd.abandon_after);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CustomerReturned& cmd, Pending&) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customers return through their channel");
  if (!interactions_.count(cmd.interaction)) return error(ErrorCode::not_found, "no such interaction");
  deadlines_.disarm(DeadlineKind::abandonment, cmd.interaction);
  return std::nullopt;
}

void Engine::abandon(Interaction& i, Pending& p) {
  assert(unheld(i));
  deadlines_.disarm(DeadlineKind::abandonment, i.id);
  deadlines_.disarm(DeadlineKind::bot, i.id);
  if (i.state == InteractionState::pending) queues_[queue_key(i)].erase(i.id);
  deadlines_.disarm(DeadlineKind::transfer, i.id);
  p.emit(inbox_audience(i), InteractionAbandoned{i.id, i.campaign});
  set_owner(i, kNoUser);
  forget_messages(i);
  interactions_.erase(i.id);
}

}  // namespace contactd::core
