// Sessions: login (password checked on the hashing threads), resume (a
// token and the last event seen), logout, and the snapshot of a session.
#include <spdlog/spdlog.h>

#include "api/command_context.h"
#include "auth/tokens.h"
#include "wire/mapping.h"

namespace contactd::api {
namespace {

constexpr std::size_t kMaxLoginBytes = 64;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMaxTokenBytes = 128;

// After the password matched: opens the session on the engine and answers
// with its token and snapshot.
void open_session(Services& s, const net::PeerPtr& peer, std::uint64_t rid, core::UserId user) {
  const std::string token = auth::new_token();
  const core::TimePoint expires = s.clock.now() + s.options.session_ttl;
  auto result = std::make_shared<v1::Response>();
  s.host.execute(
      [=, hash = auth::token_hash(token)](core::Engine& e, core::TimePoint now) {
        auto o = e.handle(core::Command{core::Actor::System(), core::OpenSession{user, hash, expires, peer->id()}}, now);
        if (o.ok()) wire::to_proto(e.snapshot(user), result->mutable_login()->mutable_snapshot());
        return o;
      },
      [&s, peer, rid, result, token, expires](const core::Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        const auto& reply = std::get<core::SessionReply>(o.reply);
        session_attached(s, peer, reply.user);
        auto* login_result = result->mutable_login();
        login_result->set_token(token);
        login_result->set_expires_at_ms(core::to_unix_ms(expires));
        login_result->set_seq(s.streams.open(reply.session, reply.user, peer));
        peer->send(response_frame(rid, *result));
      });
}

// False (answered RATE_LIMITED) while this source or login is locked out.
bool login_allowed(Services& s, const net::PeerPtr& peer, std::uint64_t rid, const std::string& login) {
  const std::string& source = peer->remote_address();
  switch (s.limits.begin_login(source, login)) {
    case LoginGate::allowed:
      return true;
    case LoginGate::pair_locked:
    case LoginGate::source_locked:
      if (auto n = s.lockout_log.note())
        spdlog::warn("login: too many failed logins from {} (last tried: '{}'); refused for now ({} refusals)", source,
                     login, *n);
      peer->send(error_frame(rid, v1::RATE_LIMITED,
                             "too many failed (or unfinished) logins from this address: try again shortly"));
      return false;
    case LoginGate::login_locked:
      if (auto n = s.lockout_log.note())
        spdlog::warn("login: too many failed logins for '{}' from many addresses; refused for now ({} refusals)", login,
                     *n);
      peer->send(error_frame(rid, v1::RATE_LIMITED, "too many failed logins for this user: wait a minute"));
      return false;
  }
  return false;
}

void login(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const std::string& login = command.login().login();
  const std::string& password = command.login().password();
  if (login.empty() || login.size() > kMaxLoginBytes || password.size() > kMaxPasswordBytes)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "login must be 1-64 bytes and password at most 1024"));
  if (!login_allowed(s, peer, rid, login)) return;
  s.host.lookup([&s, peer, rid, login, password](const core::Engine& engine) {
    auto credential = engine.credential(login);
    const bool queued = s.hashing.post([&s, peer, rid, login, credential, password] {
      // Unknown users cost the same as known ones and get the same answer.
      const bool ok = credential ? auth::verify_password(credential->password_hash, password)
                                 : (auth::verify_password(s.dummy_hash, password), false);
      if (!ok) {
        if (auto n = s.wrong_password_log.note())
          spdlog::info("login: wrong password or unknown login '{}' from {} ({} failures)", login,
                       peer->remote_address(), *n);
        return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "invalid login or password"));
      }
      s.limits.login_succeeded(peer->remote_address(), login);
      open_session(s, peer, rid, credential->user);
    });
    if (!queued) peer->send(error_frame(rid, v1::UNAVAILABLE, "too many logins in progress; try again"));
  });
}

void resume(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const std::string& token = command.resume().token();
  if (token.empty() || token.size() > kMaxTokenBytes)
    return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "session expired or revoked"));
  const std::uint64_t last_seq = command.resume().last_seq();
  auto snapshot = std::make_shared<v1::Snapshot>();
  s.host.execute(
      [connection = peer->id(), snapshot, hash = auth::token_hash(token)](core::Engine& e, core::TimePoint now) {
        auto o = e.handle(core::Command{core::Actor::System(), core::AttachSession{hash, connection}}, now);
        if (o.ok()) wire::to_proto(e.snapshot(std::get<core::SessionReply>(o.reply).user), snapshot.get());
        return o;
      },
      [&s, peer, rid, last_seq, snapshot](const core::Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        const auto& reply = std::get<core::SessionReply>(o.reply);
        session_attached(s, peer, reply.user);
        auto resumed = s.streams.resume(reply.session, reply.user, last_seq, peer);
        v1::Response response;
        auto* r = response.mutable_resume();
        r->set_resync(resumed.resync);
        r->set_seq(resumed.seq);
        if (resumed.resync) *r->mutable_snapshot() = std::move(*snapshot);
        peer->send(response_frame(rid, response));
        for (auto& frame : resumed.replay) peer->send(std::move(frame));
      });
}

void logout(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const core::ConnectionId connection = peer->id();
  s.host.execute(
      [connection](core::Engine& e, core::TimePoint now) {
        return as_session_user(e, now, connection, core::EndSession{connection});
      },
      [&s, peer, rid, connection](const core::Outcome& o) {
        if (o.ok()) s.limits.unbind(connection);
        peer->send(o.ok() ? ack_frame(rid) : error_frame(rid, *o.error));
      });
}

void get_snapshot(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  answer_for_session(s, peer, rid,
                     [](core::Engine& e, core::TimePoint, const core::Session& session, v1::Response& response) {
                       wire::to_proto(e.snapshot(session.user), response.mutable_snapshot());
                       return core::Outcome{};
                     });
}

}  // namespace

void add_session_commands(HandlerTable& table) {
  table[v1::Command::kLogin] = login;
  table[v1::Command::kResume] = resume;
  table[v1::Command::kLogout] = logout;
  table[v1::Command::kGetSnapshot] = get_snapshot;
}

}  // namespace contactd::api
