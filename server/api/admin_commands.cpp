// Directory changes that carry secrets: creating a user and updating one with
// a password or a SIP password. The caller is checked on the engine strand
// before a password is hashed (on the hashing threads); the SIP digest
// secret binds the user's login and the realm, so it is derived on the
// strand where the login is known. Updates without secrets are plain mapped
// commands (api/command_mapping.h).
#include "api/command_context.h"
#include "api/command_mapping.h"
#include "auth/sip_digest.h"

namespace contactd::api {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;

// Runs `then` on the engine strand when the caller is an administrator;
// otherwise answers UNAUTHENTICATED or PERMISSION_DENIED.
template <class Then>
void as_administrator(const Call& call, Then then) {
  const auto& [s, peer, rid, command] = call;
  s.host.lookup([peer, rid, connection = peer->id(), then = std::move(then)](const core::Engine& e) mutable {
    const core::Session* session = e.session_of(connection);
    const core::User* caller = session ? e.find_user(session->user) : nullptr;
    if (!caller) return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
    if (!core::is_admin(caller->profile))
      return peer->send(error_frame(rid, v1::PERMISSION_DENIED, "only administrators may change the directory"));
    then();
  });
}

void create_user(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& c = command.create_user();
  auto profile = profile_from_proto(c.profile());
  if (!profile) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "profile is required"));
  if (c.password().size() < 8 || c.password().size() > kMaxPasswordBytes)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "password must be 8 to 1024 bytes"));
  core::CreateUser body{c.login(), c.display_name(), *profile, {}};
  as_administrator(call, [&s, peer, rid, body, password = c.password()]() mutable {
    const bool queued = s.hashing.post([&s, peer, rid, body, password = std::move(password)]() mutable {
      body.password_hash = auth::hash_password(password, s.options.password_cost);
      s.host.execute(
          [connection = peer->id(), body](core::Engine& e, core::TimePoint now) {
            return as_session_user(e, now, connection, body);
          },
          [peer, rid](const core::Outcome& o) {
            if (!o.ok()) return peer->send(error_frame(rid, *o.error));
            v1::Response r;
            r.mutable_created()->set_id(std::get<core::CreatedReply>(o.reply).id);
            peer->send(response_frame(rid, r));
          });
    });
    if (!queued) peer->send(error_frame(rid, v1::UNAVAILABLE, "too many password checks in progress; try again"));
  });
}

// Maps and runs the update once the password (if any) is hashed.
void apply_update(Services& s, const net::PeerPtr& peer, std::uint64_t rid, const v1::UpdateUser& u,
                  std::optional<std::string> password_hash) {
  auto mapped = update_user(u, std::move(password_hash));
  if (auto* err = std::get_if<core::Error>(&mapped)) return peer->send(error_frame(rid, *err));
  s.host.execute(
      [connection = peer->id(), u, realm = s.options.sip_realm,
       body = std::get<core::CommandBody>(std::move(mapped))](core::Engine& e, core::TimePoint now) mutable {
        const core::Session* session = e.session_of(connection);
        if (!session) return not_logged_in();
        if (u.has_sip_password()) {
          const core::User* target = e.find_user(u.user_id());
          if (!target) return core::Outcome::failure(core::ErrorCode::not_found, "no such user");
          std::get<core::UpdateUser>(body).sip_secret =
              u.sip_password().empty() ? "" : auth::digest_secret(target->login, realm, u.sip_password());
        }
        return e.handle(core::Command{core::Actor::User(session->user), body}, now);
      },
      answer_ack(peer, rid));
}

void update_user_command(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& u = command.update_user();
  if (!u.has_password() && !u.has_sip_password()) {
    run_mapped(call);
    return;
  }
  if (u.has_password() && (u.password().size() < 8 || u.password().size() > kMaxPasswordBytes))
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "password must be 8 to 1024 bytes"));
  if (u.has_sip_password() && !u.sip_password().empty() &&
      (u.sip_password().size() < 8 || u.sip_password().size() > 128))
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "sip_password must be empty or 8 to 128 bytes"));
  as_administrator(call, [&s, peer, rid, u] {
    if (!u.has_password()) return apply_update(s, peer, rid, u, std::nullopt);
    if (!s.hashing.post([&s, peer, rid, u] {
          apply_update(s, peer, rid, u, auth::hash_password(u.password(), s.options.password_cost));
        }))
      peer->send(error_frame(rid, v1::UNAVAILABLE, "too many password checks in progress; try again"));
  });
}

}  // namespace

void add_admin_commands(HandlerTable& table) {
  table[v1::Command::kCreateUser] = create_user;
  table[v1::Command::kUpdateUser] = update_user_command;
}

}  // namespace contactd::api
