// The end of a call (R-FIN-1) and the wrap-up after it (R-WRAP-1): the agent
// stays connected but is offered no calls until the campaign's wrap-up time
// has passed or they end it; text work is still offered meanwhile.
#include "core/engine_internal.h"

namespace contactd::core {

MaybeError Engine::on(const Actor& actor, const EndWrapUp&, Pending& p) {
  User* me = user(actor.user);
  if (actor.system || !me) return error(ErrorCode::permission_denied, "wrap-up belongs to an agent");
  if (!me->wrap_up_until) return error(ErrorCode::failed_precondition, "not in wrap-up");
  end_wrap_up(*me, /*early=*/true, p);
  return std::nullopt;
}

void Engine::start_wrap_up(User& agent, const Campaign& c, InteractionId call, Pending& p) {
  if (c.settings.wrap_up <= Millis{0}) return;
  agent.wrap_up_until = p.now + c.settings.wrap_up;  // a later call restarts it
  deadlines_.arm(DeadlineKind::wrap_up, agent.id, *agent.wrap_up_until);
  p.emit(observers_of(agent), WrapUpStarted{agent.id, c.id, call, *agent.wrap_up_until});
}

void Engine::end_wrap_up(User& agent, bool early, Pending& p) {
  deadlines_.disarm(DeadlineKind::wrap_up, agent.id);
  agent.wrap_up_until.reset();
  p.emit(observers_of(agent), WrapUpEnded{agent.id, early});
  refresh_agent(agent, p);  // available for calls again: a queued one may be assigned now
}

}  // namespace contactd::core
