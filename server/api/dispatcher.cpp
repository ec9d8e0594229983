#include "api/dispatcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/command_mapping.h"
#include "api/frames.h"
#include "api/proto_text.h"
#include "core/contact_scope.h"
#include "store/history.h"
#include "wire/campaign_mapping.h"
#include "wire/mapping.h"

namespace contactd::api {
namespace {

namespace net = boost::asio;
using core::Outcome;

constexpr std::size_t kMaxLoginBytes = 64;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMaxTokenBytes = 128;


// Runs `body` as the user whose session this connection holds.
template <class Body>
Outcome as_session_user(core::Engine& engine, core::TimePoint now, core::ConnectionId connection, Body body) {
  const core::Session* session = engine.session_of(connection);
  if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
  return engine.handle(core::Command{core::Actor::User(session->user), std::move(body)}, now);
}

}  // namespace

Dispatcher::Dispatcher(host::EngineHost& host, StreamRegistry& streams, net::thread_pool& workers,
                       store::HistoryReader& history, const core::Clock& clock, DispatcherOptions options,
                       net::thread_pool* hashing)
    : host_(host),
      streams_(streams),
      workers_(workers),
      history_(history),
      clock_(clock),
      options_(options),
      limits_(options.limits, clock),
      dummy_hash_(hash_password("contactd-dummy-password", options.password_cost)),
      own_hashing_(hashing ? nullptr : std::make_unique<net::thread_pool>(std::max(1u, options.hashing_threads))),
      hashing_(hashing ? *hashing : *own_hashing_) {}

Dispatcher::~Dispatcher() {
  if (!own_hashing_) return;
  own_hashing_->stop();
  own_hashing_->join();
}

bool Dispatcher::hash_off_thread(std::function<void()> job) {
  if (hashing_waiting_.fetch_add(1) >= options_.hashing_queue) {
    hashing_waiting_.fetch_sub(1);
    return false;
  }
  net::post(hashing_, [this, job = std::move(job)] {
    hashing_waiting_.fetch_sub(1);
    job();
  });
  return true;
}

void Dispatcher::on_frame(const PeerPtr& peer, std::string_view bytes, bool binary) {
  if (!binary) {
    peer->send(error_frame(0, v1::MALFORMED_FRAME, "frames must be binary protobuf Envelopes"));
    return;
  }
  v1::Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    peer->send(error_frame(0, v1::MALFORMED_FRAME, "frame is not a valid Envelope"));
    return;
  }
  const std::uint64_t rid = envelope.request_id();
  if (!envelope.has_command()) {
    peer->send(error_frame(rid, v1::MALFORMED_FRAME, "clients send Envelopes carrying a command"));
    return;
  }
  if (rid == 0) {
    peer->send(error_frame(0, v1::INVALID_ARGUMENT, "request_id must be non-zero"));
    return;
  }
  const v1::Command& command = envelope.command();
  if (command.kind_case() == v1::Command::KIND_NOT_SET) {
    peer->send(error_frame(rid, v1::UNKNOWN_COMMAND, "unknown command (is the client newer than the server?)"));
    return;
  }
  const core::ConnectionId connection = peer->id();
  if (!limits_.allow_command(connection)) {
    peer->send(error_frame(rid, v1::RATE_LIMITED, "too many commands: slow down"));
    return;
  }
  const bool opens_session = command.kind_case() == v1::Command::kLogin || command.kind_case() == v1::Command::kResume;
  if (!opens_session && !limits_.bound(connection)) {
    peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
    return;
  }
  if (auto field = find_invalid_text(command)) {
    peer->send(error_frame(rid, v1::INVALID_ARGUMENT, *field + " must be valid UTF-8 without NUL characters"));
    return;
  }
  auto answer_ack = [peer, rid](const Outcome& o) {
    peer->send(o.ok() ? ack_frame(rid) : error_frame(rid, *o.error));
  };

  // Commands the engine runs as the caller: one path for all of them.
  if (auto mapped = to_core(command)) {
    if (const auto* err = std::get_if<core::Error>(&*mapped)) {
      peer->send(error_frame(rid, *err));
      return;
    }
    host_.execute(
        [connection, body = std::get<core::CommandBody>(std::move(*mapped))](core::Engine& e, core::TimePoint now) {
          return as_session_user(e, now, connection, body);
        },
        [peer, rid](const Outcome& o) {
          if (!o.ok()) return peer->send(error_frame(rid, *o.error));
          if (const auto* created = std::get_if<core::CreatedReply>(&o.reply)) {
            v1::Response r;
            r.mutable_created()->set_id(created->id);
            return peer->send(response_frame(rid, r));
          }
          peer->send(ack_frame(rid));
        });
    return;
  }

  switch (command.kind_case()) {
    case v1::Command::kLogin:
      login(peer, rid, command.login().login(), command.login().password());
      return;
    case v1::Command::kResume: {
      const std::string& token = command.resume().token();
      if (token.empty() || token.size() > kMaxTokenBytes) {
        peer->send(error_frame(rid, v1::UNAUTHENTICATED, "session expired or revoked"));
        return;
      }
      const std::uint64_t last_seq = command.resume().last_seq();
      auto snapshot = std::make_shared<v1::Snapshot>();
      host_.execute(
          [=, hash = token_hash(token)](core::Engine& e, core::TimePoint now) {
            auto o = e.handle(core::Command{core::Actor::System(), core::AttachSession{hash, connection}}, now);
            if (o.ok()) wire::to_proto(e.snapshot(std::get<core::SessionReply>(o.reply).user), snapshot.get());
            return o;
          },
          [this, peer, rid, last_seq, snapshot](const Outcome& o) {
            if (!o.ok()) {
              peer->send(error_frame(rid, *o.error));
              return;
            }
            const auto& reply = std::get<core::SessionReply>(o.reply);
            session_attached(peer, reply.user);
            auto resumed = streams_.resume(reply.session, reply.user, last_seq, peer);
            v1::Response response;
            auto* r = response.mutable_resume();
            r->set_resync(resumed.resync);
            r->set_seq(resumed.seq);
            if (resumed.resync) *r->mutable_snapshot() = std::move(*snapshot);
            peer->send(response_frame(rid, response));
            for (auto& frame : resumed.replay) peer->send(std::move(frame));
          });
      return;
    }
    case v1::Command::kLogout:
      host_.execute(
          [connection](core::Engine& e, core::TimePoint now) {
            return as_session_user(e, now, connection, core::EndSession{connection});
          },
          [this, peer, rid, connection](const Outcome& o) {
            if (o.ok()) limits_.unbind(connection);
            peer->send(o.ok() ? ack_frame(rid) : error_frame(rid, *o.error));
          });
      return;
    case v1::Command::kCreateUser: {
      const auto& c = command.create_user();
      auto profile = profile_from_proto(c.profile());
      if (!profile) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "profile is required"));
      if (c.password().size() < 8 || c.password().size() > kMaxPasswordBytes)
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "password must be 8 to 1024 bytes"));
      core::CreateUser body{c.login(), c.display_name(), *profile, {}};
      // Check the caller before spending a password hash on them.
      host_.lookup([this, peer, rid, connection, body, password = c.password()](const core::Engine& e) mutable {
        const core::Session* session = e.session_of(connection);
        const core::User* caller = session ? e.find_user(session->user) : nullptr;
        if (!caller) return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
        if (!core::is_admin(caller->profile))
          return peer->send(error_frame(rid, v1::PERMISSION_DENIED, "only administrators may change the directory"));
        const bool queued = hash_off_thread([this, peer, rid, connection, body, password = std::move(password)]() mutable {
          body.password_hash = hash_password(password, options_.password_cost);
          host_.execute(
              [connection, body](core::Engine& e, core::TimePoint now) {
                return as_session_user(e, now, connection, body);
              },
              [peer, rid](const Outcome& o) {
                if (!o.ok()) return peer->send(error_frame(rid, *o.error));
                v1::Response r;
                r.mutable_created()->set_id(std::get<core::CreatedReply>(o.reply).id);
                peer->send(response_frame(rid, r));
              });
        });
        if (!queued) peer->send(error_frame(rid, v1::UNAVAILABLE, "too many password checks in progress; try again"));
      });
      return;
    }
    case v1::Command::kListTransferTargets: {
      auto response = std::make_shared<v1::Response>();
      const auto interaction = command.list_transfer_targets().interaction_id();
      host_.execute(
          [connection, interaction, response](core::Engine& e, core::TimePoint now) {
            const core::Session* session = e.session_of(connection);
            if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            auto result = e.transfer_targets(session->user, interaction, now);
            if (auto* err = std::get_if<core::Error>(&result)) return core::Outcome::failure(err->code, err->message);
            wire::to_proto(std::get<core::TransferTargets>(result), response->mutable_transfer_targets());
            return Outcome{};
          },
          [peer, rid, response](const Outcome& o) {
            peer->send(o.ok() ? response_frame(rid, *response) : error_frame(rid, *o.error));
          });
      return;
    }
    case v1::Command::kSearchHistory: {
      const auto& s = command.search_history();
      std::string channel;
      if (s.channel() != v1::CHANNEL_UNSPECIFIED) {
        auto ch = wire::channel_from_proto(s.channel());
        if (!ch) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "unknown channel"));
        channel = std::string(core::to_string(*ch));
      }
      if (s.page_size() > 500) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "page_size is at most 500"));
      if (!core::valid_unix_ms(s.closed_from_ms()) || !core::valid_unix_ms(s.closed_to_ms()))
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT,
                                      "closed_from_ms and closed_to_ms are Unix times in milliseconds, years 1970 to 9999"));
      with_history_scope(peer, rid, [this, peer, rid, s, channel](store::HistoryQuery q) {
        q.campaign = s.campaign_id();
        q.agent = s.agent_id();
        q.channel = channel;
        q.customer = s.customer();
        q.from_ms = s.closed_from_ms();
        q.to_ms = s.closed_to_ms();
        q.disposition = s.disposition_id();
        q.limit = s.page_size();
        q.cursor = s.cursor();
        v1::Response r;
        *r.mutable_history_page() = history_.search(q);
        peer->send(response_frame(rid, r));
      });
      return;
    }
    case v1::Command::kGetInteractionDetail: {
      const auto id = command.get_interaction_detail().interaction_id();
      with_history_scope(peer, rid, [this, peer, rid, id](store::HistoryQuery scope) {
        auto detail = history_.detail(id, scope);
        if (!detail) return peer->send(error_frame(rid, v1::NOT_FOUND, "no such closed interaction"));
        v1::Response r;
        *r.mutable_interaction_detail() = std::move(*detail);
        peer->send(response_frame(rid, r));
      });
      return;
    }
    case v1::Command::kGetSnapshot: {
      auto response = std::make_shared<v1::Response>();
      host_.execute(
          [connection, response](core::Engine& e, core::TimePoint) {
            const core::Session* session = e.session_of(connection);
            if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            wire::to_proto(e.snapshot(session->user), response->mutable_snapshot());
            return Outcome{};
          },
          [peer, rid, response](const Outcome& o) {
            peer->send(o.ok() ? response_frame(rid, *response) : error_frame(rid, *o.error));
          });
      return;
    }
    case v1::Command::KIND_NOT_SET:
      break;
    default:  // mapped by to_core above, or a query
      if (on_query(peer, rid, command)) return;
      break;
  }
  peer->send(error_frame(rid, v1::UNKNOWN_COMMAND, "unknown command (is the client newer than the server?)"));
}

void Dispatcher::session_attached(const PeerPtr& peer, core::UserId user) {
  limits_.bind(peer->id(), user);
  peer->mark_authenticated();
}

void Dispatcher::login(const PeerPtr& peer, std::uint64_t rid, std::string login, std::string password) {
  if (login.empty() || login.size() > kMaxLoginBytes || password.size() > kMaxPasswordBytes) {
    peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "login must be 1-64 bytes and password at most 1024"));
    return;
  }
  const std::string& source = peer->remote_address();
  switch (limits_.begin_login(source, login)) {
    case LoginGate::allowed:
      break;
    case LoginGate::pair_locked:
    case LoginGate::source_locked:
      if (auto n = lockout_log_.note())
        spdlog::warn("login: too many failed logins from {} (last tried: '{}'); refused for now ({} refusals)", source,
                     login, *n);
      peer->send(error_frame(rid, v1::RATE_LIMITED, "too many failed (or unfinished) logins from this address: try again shortly"));
      return;
    case LoginGate::login_locked:
      if (auto n = lockout_log_.note())
        spdlog::warn("login: too many failed logins for '{}' from many addresses; refused for now ({} refusals)", login,
                     *n);
      peer->send(error_frame(rid, v1::RATE_LIMITED, "too many failed logins for this user: wait a minute"));
      return;
  }
  host_.lookup([this, peer, rid, login, password = std::move(password)](const core::Engine& engine) mutable {
    auto credential = engine.credential(login);
    const bool queued = hash_off_thread([this, peer, rid, login, credential, password = std::move(password)] {
      // Unknown users cost the same as known ones and get the same answer.
      const bool ok = credential ? verify_password(credential->password_hash, password)
                                 : (verify_password(dummy_hash_, password), false);
      if (!ok) {
        if (auto n = wrong_password_log_.note())
          spdlog::info("login: wrong password or unknown login '{}' from {} ({} failures)", login,
                       peer->remote_address(), *n);
        peer->send(error_frame(rid, v1::UNAUTHENTICATED, "invalid login or password"));
        return;
      }
      limits_.login_succeeded(peer->remote_address(), login);
      const std::string token = new_token();
      const core::TimePoint expires = clock_.now() + options_.session_ttl;
      auto result = std::make_shared<v1::Response>();
      const core::UserId user = credential->user;
      host_.execute(
          [=, hash = token_hash(token)](core::Engine& e, core::TimePoint now) {
            auto o = e.handle(core::Command{core::Actor::System(), core::OpenSession{user, hash, expires, peer->id()}},
                              now);
            if (o.ok()) wire::to_proto(e.snapshot(user), result->mutable_login()->mutable_snapshot());
            return o;
          },
          [this, peer, rid, result, token, expires](const Outcome& o) {
            if (!o.ok()) {
              peer->send(error_frame(rid, *o.error));
              return;
            }
            const auto& reply = std::get<core::SessionReply>(o.reply);
            session_attached(peer, reply.user);
            auto* login_result = result->mutable_login();
            login_result->set_token(token);
            login_result->set_expires_at_ms(core::to_unix_ms(expires));
            login_result->set_seq(streams_.open(reply.session, reply.user, peer));
            peer->send(response_frame(rid, *result));
          });
    });
    if (!queued) peer->send(error_frame(rid, v1::UNAVAILABLE, "too many logins in progress; try again"));
  });
}

void Dispatcher::with_history_scope(const PeerPtr& peer, std::uint64_t rid,
                                    std::function<void(store::HistoryQuery)> query) {
  const core::ConnectionId connection = peer->id();
  host_.lookup([this, peer, rid, connection, query = std::move(query)](const core::Engine& e) mutable {
    const core::Session* session = e.session_of(connection);
    const core::User* me = session ? e.find_user(session->user) : nullptr;
    if (!me) return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
    store::HistoryQuery scope;
    const core::InteractionScope visible = core::interaction_scope(*me);  // one rule with the CRM (R-SEC-4)
    scope.visible_campaigns = visible.campaigns;
    scope.only_owner = visible.only_owner;
    net::post(workers_, [peer, rid, scope = std::move(scope), query = std::move(query)]() mutable {
      try {
        query(std::move(scope));
      } catch (const std::invalid_argument&) {
        peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "malformed cursor"));
      } catch (const std::out_of_range&) {
        peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "malformed cursor"));
      } catch (const std::exception&) {
        peer->send(error_frame(rid, v1::UNAVAILABLE, "history is unavailable; try again"));
      }
    });
  });
}

void Dispatcher::on_closed(const PeerPtr& peer) {
  const core::ConnectionId connection = peer->id();
  limits_.forget(connection);
  host_.execute(
      [connection](core::Engine& e, core::TimePoint now) {
        if (!e.session_of(connection)) return Outcome{};  // never logged in, or superseded
        return e.handle(core::Command{core::Actor::System(), core::DetachConnection{connection}}, now);
      },
      [this, connection](const Outcome&) { streams_.detach(connection); }, /*client_work=*/false);
}

}  // namespace contactd::api
