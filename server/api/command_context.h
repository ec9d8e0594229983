#pragma once
// What the dispatcher's command handlers share (internal to server/api).
// A command that needs more than the caller's identity is one function
// `void f(const Call&)` in the file of its idea, entered in that file's
// add_*_commands table by its Command::KindCase:
//   session_commands.cpp  login, resume, logout, get_snapshot
//   admin_commands.cpp    create_user, update_user with passwords
//   queries.cpp           transfer targets, attempts, contacts, forms, spy
//   history_queries.cpp   search_history, get_interaction_detail
// Commands the engine runs as the caller with nothing more are mapped by
// api/command_mapping.h and need no entry.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "api/dispatcher.h"
#include "api/frames.h"
#include "contactd/v1/commands.pb.h"
#include "core/engine.h"
#include "net/log_throttle.h"

namespace boost::asio {
class thread_pool;
}
namespace contactd::attachments {
class AttachmentStore;
}

namespace contactd::api {

// Password hashing threads with a bounded queue: never the engine strand,
// the I/O threads or the pool that serves queries and probes.
class HashingQueue {
 public:
  // `pool`: where jobs run; null: a pool of `threads` of its own.
  HashingQueue(unsigned threads, unsigned max_waiting, boost::asio::thread_pool* pool);
  ~HashingQueue();  // joins its own pool
  // Runs `job` on the hashing threads; false (and nothing runs) when
  // `max_waiting` jobs are waiting already.
  bool post(std::function<void()> job);

 private:
  const unsigned max_waiting_;
  std::unique_ptr<boost::asio::thread_pool> own_;
  boost::asio::thread_pool& pool_;
  std::atomic<unsigned> waiting_{0};
};

struct Services {
  host::EngineHost& host;
  StreamRegistry& streams;
  boost::asio::thread_pool& workers;  // database reads
  store::HistoryReader& history;
  const core::Clock& clock;
  const DispatcherOptions options;
  RateLimits limits;
  HashingQueue hashing;
  const std::string dummy_hash;  // verified for unknown logins so timing does not tell
  // Lines a client can cause: at most one per 10 s each, with a count.
  net::LogThrottle lockout_log{std::chrono::seconds(10)};
  net::LogThrottle wrong_password_log{std::chrono::seconds(10)};
  // Where attachment ids of send_message / start_interaction are looked up
  // (null: messages cannot carry attachments).
  attachments::AttachmentStore* media{nullptr};
  // Whether the media store's files have public URLs (providers that
  // download outbound media need them: api/attachment_refs.h).
  bool public_media_urls{false};
};

// One command that passed the frame checks.
struct Call {
  Services& s;
  const net::PeerPtr& peer;
  std::uint64_t rid;
  const contactd::v1::Command& command;
};

using CommandHandler = void (*)(const Call& call);
using HandlerTable = std::unordered_map<int, CommandHandler>;  // by v1::Command::KindCase

void add_session_commands(HandlerTable& table);
void add_admin_commands(HandlerTable& table);
void add_query_commands(HandlerTable& table);
// R-MSG-7 (message_query.cpp).
void get_messages(const Call& call);
void add_history_commands(HandlerTable& table);

// The commands of api/command_mapping.h: run by the engine as the caller.
// False when `call` is none of them.
bool run_mapped(const Call& call);

// After a login or resume: the connection acts for `user` (rate limits,
// the transport's caps on unauthenticated connections).
void session_attached(Services& s, const net::PeerPtr& peer, core::UserId user);

inline core::Outcome not_logged_in() {
  return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
}

// Runs `body` as the user whose session this connection holds.
template <class Body>
core::Outcome as_session_user(core::Engine& engine, core::TimePoint now, core::ConnectionId connection, Body body) {
  const core::Session* session = engine.session_of(connection);
  if (!session) return not_logged_in();
  return engine.handle(core::Command{core::Actor::User(session->user), std::move(body)}, now);
}

// Sends `response` when `o` succeeded, else the error.
inline auto answer_with(const net::PeerPtr& peer, std::uint64_t rid, std::shared_ptr<v1::Response> response) {
  return [peer, rid, response = std::move(response)](const core::Outcome& o) {
    peer->send(o.ok() ? response_frame(rid, *response) : error_frame(rid, *o.error));
  };
}

// Answers `rid` with the Response that `fill(engine, now, session, response)`
// builds on the engine strand for the connection's session: UNAUTHENTICATED
// without one, fill's failure when it fails.
template <class Fill>
void answer_for_session(Services& s, const net::PeerPtr& peer, std::uint64_t rid, Fill fill);

inline auto answer_ack(const net::PeerPtr& peer, std::uint64_t rid) {
  return [peer, rid](const core::Outcome& o) { peer->send(o.ok() ? ack_frame(rid) : error_frame(rid, *o.error)); };
}

// Runs `fn` on a worker; database errors become UNAVAILABLE.
void on_worker(Services& s, const net::PeerPtr& peer, std::uint64_t rid, std::function<void()> fn);

template <class Fill>
void answer_for_session(Services& s, const net::PeerPtr& peer, std::uint64_t rid, Fill fill) {
  auto response = std::make_shared<v1::Response>();
  s.host.execute(
      [connection = peer->id(), response, fill = std::move(fill)](core::Engine& e, core::TimePoint now) {
        const core::Session* session = e.session_of(connection);
        if (!session) return not_logged_in();
        return fill(e, now, *session, *response);
      },
      answer_with(peer, rid, response));
}

}  // namespace contactd::api
