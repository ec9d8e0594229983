// Statuses and breaks (R-IN-4: an agent with a status set is not eligible).
#include "core/engine_internal.h"

namespace contactd::core {

MaybeError Engine::change_status(const Actor& actor, UserId target_id, std::optional<StatusId> status,
                                 Pending& p) {
  if (target_id == kNoUser) target_id = actor.user;
  User* target = user(target_id);
  if (!target) return error(ErrorCode::not_found, "no such user");
  if (!may_manage(actor, *target))
    return error(ErrorCode::permission_denied, "you may not change this user's status");
  if (status && !statuses_.count(*status)) return error(ErrorCode::not_found, "no such status");
  if (target->status == status) return std::nullopt;  // already so: nothing happens
  target->status = status;
  target->status_since = p.now;
  p.emit(observers_of(*target), AgentStatusChanged{target->id, status, actor.system ? kNoUser : actor.user});
  refresh_agent(*target, p);  // a break removes the agent from assignment; clearing it may serve the queue
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SetStatus& cmd, Pending& p) {
  return change_status(actor, cmd.target, cmd.status, p);
}

MaybeError Engine::on(const Actor& actor, const ClearStatus& cmd, Pending& p) {
  return change_status(actor, cmd.target, std::nullopt, p);
}

}  // namespace contactd::core
