#pragma once
// Turns client frames into engine work and answers them. Transport-agnostic:
// it sees a connection only as a Peer. Frames are checked in this order:
// parse (MALFORMED_FRAME), shape (request id, command present), kind
// (UNKNOWN_COMMAND), the connection's rate, authentication (UNAUTHENTICATED
// for every command but login and resume), text (INVALID_ARGUMENT: the core's
// text rule on every string), then the command's own arguments and the
// engine's rules.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "api/rate_limits.h"
#include "api/streams.h"
#include "auth/passwords.h"
#include "host/engine_host.h"
#include "net/peer.h"

namespace boost::asio {
class thread_pool;
}
namespace contactd::attachments {
class AttachmentStore;
}
namespace contactd::v1 {
class Command;
class GetMessages;
}
namespace contactd::store {
class HistoryReader;
}

namespace contactd::api {

struct DispatcherOptions {
  std::chrono::milliseconds session_ttl{std::chrono::hours(12)};
  auth::PasswordCost password_cost{auth::PasswordCost::interactive()};
  RateLimitOptions limits;
  // Password hashing (logins, new passwords) runs on its own threads, never on
  // the engine strand, the I/O threads or the pool that serves queries and
  // probes. At most `hashing_queue` checks wait; more are refused at once.
  unsigned hashing_threads{1};
  unsigned hashing_queue{32};
  std::string sip_realm{"contactd"};  // SIP passwords are stored as digests for this realm
};

struct Services;
struct Call;

class Dispatcher final : public net::FrameHandler {
 public:
  // `history` answers history searches from the database (on `workers`).
  // `hashing`: where password checks run; null: a pool of
  // options.hashing_threads of the dispatcher's own (a harness that must know
  // when they are done passes its own pool).
  Dispatcher(host::EngineHost& host, StreamRegistry& streams, boost::asio::thread_pool& workers,
             store::HistoryReader& history, const core::Clock& clock, DispatcherOptions options,
             boost::asio::thread_pool* hashing = nullptr);
  ~Dispatcher() override;
  // Messages' attachments are the media store's uploads (api/attachment_refs.h).
  // `public_urls`: whether the media store's files have public URLs
  // ([media] public_base_url), which providers that download media need.
  // REQUIRES: before the first frame.
  void set_media(attachments::AttachmentStore& media, bool public_urls = false);

  // A frame arrived on `peer`: checked in the order above, then handed to
  // the command's handler (api/command_context.h). Thread-safe.
  void on_frame(const net::PeerPtr& peer, std::string_view bytes, bool binary) override;
  // The connection is gone (after its last frame).
  void on_closed(const net::PeerPtr& peer) override;

 private:
  std::unique_ptr<Services> services_;
  std::unordered_map<int, void (*)(const Call&)> handlers_;  // by v1::Command::KindCase
};

}  // namespace contactd::api
