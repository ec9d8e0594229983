#pragma once
// Turns client frames into engine work and answers them. Transport-agnostic:
// it sees a connection only as a Peer. Frames are checked in this order:
// parse (MALFORMED_FRAME), shape (request id, command present), kind
// (UNKNOWN_COMMAND), the connection's rate, authentication (UNAUTHENTICATED
// for every command but login and resume), text (INVALID_ARGUMENT: the core's
// text rule on every string), then the command's own arguments and the
// engine's rules.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "api/auth.h"
#include "api/log_throttle.h"
#include "api/peer.h"
#include "api/rate_limits.h"
#include "api/streams.h"
#include "host/engine_host.h"

namespace boost::asio {
class thread_pool;
}
namespace contactd::v1 {
class Command;
class GetMessages;
}
namespace contactd::store {
class HistoryReader;
struct HistoryQuery;
}

namespace contactd::api {

struct DispatcherOptions {
  std::chrono::milliseconds session_ttl{std::chrono::hours(12)};
  PasswordCost password_cost{PasswordCost::interactive()};
  RateLimitOptions limits;
  // Password hashing (logins, new passwords) runs on its own threads, never on
  // the engine strand, the I/O threads or the pool that serves queries and
  // probes. At most `hashing_queue` checks wait; more are refused at once.
  unsigned hashing_threads{1};
  unsigned hashing_queue{32};
  std::string sip_realm{"contactd"};  // SIP passwords are stored as digests for this realm
};

class Dispatcher final : public FrameHandler {
 public:
  // `history` answers history searches from the database (on `workers`).
  // `hashing`: where password checks run; null: a pool of
  // options.hashing_threads of the dispatcher's own (a harness that must know
  // when they are done passes its own pool).
  Dispatcher(host::EngineHost& host, StreamRegistry& streams, boost::asio::thread_pool& workers,
             store::HistoryReader& history, const core::Clock& clock, DispatcherOptions options,
             boost::asio::thread_pool* hashing = nullptr);
  ~Dispatcher() override;

  // A frame arrived on `peer`. Thread-safe.
  void on_frame(const PeerPtr& peer, std::string_view bytes, bool binary) override;
  // The connection is gone (after its last frame).
  void on_closed(const PeerPtr& peer) override;

 private:
  host::EngineHost& host_;
  StreamRegistry& streams_;
  boost::asio::thread_pool& workers_;
  store::HistoryReader& history_;

  // Queries and commands of queries.cpp; false when `command` is none of them.
  bool on_query(const PeerPtr& peer, std::uint64_t rid, const contactd::v1::Command& command);
  void login(const PeerPtr& peer, std::uint64_t rid, std::string login, std::string password);
  // After a login or resume: the connection acts for `user` (rate limits,
  // the transport's caps on unauthenticated connections).
  void session_attached(const PeerPtr& peer, core::UserId user);
  // Runs `job` on the hashing threads; false (and nothing runs) when
  // `hashing_queue` jobs are waiting already.
  bool hash_off_thread(std::function<void()> job);
  // R-MSG-7 (message_query.cpp): a page of an interaction's messages, the
  // permission decided on the engine strand, the rows read on a worker.
  void get_messages(const PeerPtr& peer, std::uint64_t rid, const contactd::v1::GetMessages& query);
  // Runs `query` on a worker with the caller's visibility filled in.
  void with_history_scope(const PeerPtr& peer, std::uint64_t rid,
                          std::function<void(store::HistoryQuery)> query);
  const core::Clock& clock_;
  DispatcherOptions options_;
  RateLimits limits_;
  std::string dummy_hash_;  // verified for unknown logins so timing does not tell
  std::unique_ptr<boost::asio::thread_pool> own_hashing_;
  boost::asio::thread_pool& hashing_;
  // Lines a client can cause: at most one per 10 s each, with a count.
  LogThrottle lockout_log_{std::chrono::seconds(10)};
  LogThrottle wrong_password_log_{std::chrono::seconds(10)};
  std::atomic<unsigned> hashing_waiting_{0};
};

}  // namespace contactd::api
