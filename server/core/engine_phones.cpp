// Agents' SIP phones: registered by the SIP module after it checked the
// phone's digest credentials, refreshed before they expire, dropped when they
// unregister, expire, or their user's credentials change. An agent is offered
// calls only while their phone is registered.
#include "core/engine_internal.h"

namespace contactd::core {

std::string_view to_string(PhoneGone g) {
  switch (g) {
    case PhoneGone::unregistered: return "unregistered";
    case PhoneGone::expired: return "expired";
    case PhoneGone::revoked: return "revoked";
  }
  return "unregistered";
}

MaybeError Engine::on(const Actor& actor, const RegisterPhone& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "phones register through SIP");
  User* u = user(cmd.user);
  if (!u) return error(ErrorCode::not_found, "no such user");
  if (u->deactivated || u->sip_secret.empty()) return error(ErrorCode::permission_denied, "this user has no phone access");
  if (cmd.contact.empty()) return error(ErrorCode::invalid_argument, "a contact is required");
  if (cmd.expires_at <= p.now) return error(ErrorCode::invalid_argument, "the registration must expire in the future");
  // Who sees it: a new or moved phone changes the agent's state; a refresh
  // (same contact, same source) only moves the expiry and is journal only.
  const bool refresh = u->phone && u->phone->contact == cmd.contact && u->phone->source == cmd.source;
  u->phone = PhoneBinding{cmd.contact, cmd.source, cmd.expires_at};
  deadlines_.arm(DeadlineKind::phone, u->id, cmd.expires_at);
  p.emit(refresh ? Audience{} : observers_of(*u), PhoneRegistered{u->id, cmd.contact, cmd.source, cmd.expires_at});
  if (!refresh) refresh_agent(*u, p);  // may take a waiting call now
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const UnregisterPhone& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "phones register through SIP");
  User* u = user(cmd.user);
  if (!u) return error(ErrorCode::not_found, "no such user");
  if (u->phone) drop_phone(*u, PhoneGone::unregistered, p);  // already gone: nothing to do
  return std::nullopt;
}

void Engine::drop_phone(User& u, PhoneGone why, Pending& p) {
  deadlines_.disarm(DeadlineKind::phone, u.id);
  u.phone.reset();
  p.emit(observers_of(u), PhoneUnregistered{u.id, why});
  refresh_agent(u, p);  // no more calls offered
}

}  // namespace contactd::core
