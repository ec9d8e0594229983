// Login sessions and presence. A user is connected while at least one of their
// sessions has a live connection.
#include "core/engine_internal.h"

namespace contactd::core {

// A user's own clients do not need to hear that the user is connected.
Audience Engine::presence_audience(const User& u) const {
  Audience audience = observers_of(u);
  audience.users.clear();
  audience.except = {u.id};  // an admin's or supervisor's own clients either
  return audience;
}

void Engine::attach(Session& s, ConnectionId connection, Pending& p) {
  User& u = users_.at(s.user);
  const bool was_connected = u.connected();
  s.connection = connection;
  session_by_connection_[connection] = s.id;
  u.connections.insert(connection);
  if (!was_connected) {
    u.presence_since = p.now;
    p.emit(presence_audience(u), PresenceChanged{u.id, true});
    if (u.grace_until) {  // back within the grace period: keeps everything
      deadlines_.disarm(DeadlineKind::grace, u.id);
      u.grace_until.reset();
    }
    refresh_agent(u, p);
  }
}

void Engine::detach(Session& s, Pending& p) {
  if (!s.connection) return;
  User& u = users_.at(s.user);
  session_by_connection_.erase(*s.connection);
  u.connections.erase(*s.connection);
  s.connection.reset();
  if (!u.connected()) {
    u.presence_since = p.now;
    p.emit(presence_audience(u), PresenceChanged{u.id, false});
    refresh_agent(u, p);
    if (u.active_total() > 0) {
      u.grace_until = p.now + options_.disconnect_grace;
      deadlines_.arm(DeadlineKind::grace, u.id, *u.grace_until);
    }
  }
}

void Engine::end_session(Session& s, SessionEndReason reason, Pending& p) {
  if (reason != SessionEndReason::logout && s.connection)
    p.effect(CloseConnection{*s.connection, reason == SessionEndReason::expired ? "session expired" : "account deactivated"});
  detach(s, p);
  p.emit({}, SessionEnded{s.id, s.user, reason});
  deadlines_.disarm(DeadlineKind::session, s.id);
  session_by_token_.erase(s.token_hash);
  sessions_.erase(s.id);
}

MaybeError Engine::on(const Actor& actor, const OpenSession& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "sessions are opened by the server");
  if (!find_user(cmd.user)) return error(ErrorCode::not_found, "no such user");
  if (find_user(cmd.user)->deactivated) return error(ErrorCode::unauthenticated, "the account is deactivated");
  if (cmd.token_hash.empty() || session_by_token_.count(cmd.token_hash))
    return error(ErrorCode::invalid_argument, "token hash must be new and non-empty");
  if (cmd.expires_at <= p.now) return error(ErrorCode::invalid_argument, "session would expire at once");
  if (session_by_connection_.count(cmd.connection))
    return error(ErrorCode::failed_precondition, "connection already has a session");
  Session s{++last_session_id_, cmd.user, cmd.token_hash, cmd.expires_at, std::nullopt};
  p.out->reply = SessionReply{s.id, s.user};
  p.emit({}, SessionOpened{s.id, s.user, s.token_hash, s.expires_at});
  session_by_token_.emplace(s.token_hash, s.id);
  deadlines_.arm(DeadlineKind::session, s.id, s.expires_at);
  Session& stored = sessions_.emplace(s.id, std::move(s)).first->second;
  attach(stored, cmd.connection, p);
  return std::nullopt;
}

const Session* Engine::session_of_token(std::string_view token_hash, TimePoint now) const {
  auto it = session_by_token_.find(std::string(token_hash));
  if (it == session_by_token_.end()) return nullptr;
  const Session& s = sessions_.at(it->second);
  return s.expires_at <= now ? nullptr : &s;
}

MaybeError Engine::on(const Actor& actor, const AttachSession& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "sessions are resumed by the server");
  auto it = session_by_token_.find(cmd.token_hash);
  if (it == session_by_token_.end()) return error(ErrorCode::unauthenticated, "session expired or revoked");
  Session& s = sessions_.at(it->second);
  if (s.expires_at <= p.now) return error(ErrorCode::unauthenticated, "session expired or revoked");
  if (session_by_connection_.count(cmd.connection))
    return error(ErrorCode::failed_precondition, "connection already has a session");
  p.out->reply = SessionReply{s.id, s.user};
  if (s.connection) {
    // The newer connection wins; presence does not flicker.
    const ConnectionId old = *s.connection;
    User& u = users_.at(s.user);
    session_by_connection_.erase(old);
    u.connections.erase(old);
    u.connections.insert(cmd.connection);
    s.connection = cmd.connection;
    session_by_connection_[cmd.connection] = s.id;
    p.effect(CloseConnection{old, "superseded by a newer connection of the same session"});
    return std::nullopt;
  }
  attach(s, cmd.connection, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const DetachConnection& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "connections are managed by the server");
  auto it = session_by_connection_.find(cmd.connection);
  if (it == session_by_connection_.end()) return error(ErrorCode::not_found, "connection has no session");
  detach(sessions_.at(it->second), p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const EndSession& cmd, Pending& p) {
  auto it = session_by_connection_.find(cmd.connection);
  if (it == session_by_connection_.end()) return error(ErrorCode::unauthenticated, "not logged in");
  Session& s = sessions_.at(it->second);
  if (!actor.system && actor.user != s.user)
    return error(ErrorCode::permission_denied, "a session can be ended only by its user");
  end_session(s, SessionEndReason::logout, p);
  return std::nullopt;
}

}  // namespace contactd::core
