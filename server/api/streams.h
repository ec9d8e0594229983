#pragma once
// Per-session event streams (the sink the engine host publishes to).
//
// Each login session has one stream. Every event the engine addresses to the
// session's user is numbered in that stream (1, 2, 3... with no gaps) and sent
// to the session's connection if it has one. The last `buffer_events` frames
// are kept so that a client that reconnects with the last number it saw gets
// exactly what it missed. A stream that lost frames (buffer overflow, detached
// longer than `resume_window`, or unknown after a restart) answers a resume
// with resync: the client replaces its state with a fresh snapshot.
//
// REQUIRES: every method is called on the engine strand.
#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "net/peer.h"
#include "core/audience.h"
#include "core/time.h"
#include "host/event_sink.h"

namespace contactd::api {

struct StreamOptions {
  std::size_t buffer_events{512};
  std::chrono::milliseconds resume_window{std::chrono::minutes(10)};
};

class StreamRegistry final : public host::EventSink {
 public:
  // `audiences` starts as of the engine's loaded state; publish() keeps it in step.
  StreamRegistry(StreamOptions options, const core::Clock& clock, core::AudienceIndex audiences);

  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect& effect) override;

  // A new session's stream, attached to `peer`. Returns its position (0).
  std::uint64_t open(core::SessionId session, core::UserId user, net::PeerPtr peer);

  struct Resumed {
    bool resync{false};
    std::uint64_t seq{0};              // the stream's position once `replay` is sent
    std::vector<net::Frame> replay;         // frames after the client's last_seq, in order
  };
  // Reattaches `peer` to the session's stream. The caller sends the response,
  // then `replay`, before returning to the strand.
  Resumed resume(core::SessionId session, core::UserId user, std::uint64_t last_seq, net::PeerPtr peer);

  // The connection left; its stream keeps buffering for the resume window.
  void detach(core::ConnectionId connection);

  std::size_t stream_count() const { return streams_.size(); }

  // R-SUP-1: the session also receives every client-visible event about
  // `interaction` until it closes or the spy stops. At most kMaxSpied
  // interactions per session: false when that many are spied already.
  static constexpr std::size_t kMaxSpied = 20;
  bool spy(core::SessionId session, core::InteractionId interaction, bool on);

 private:
  struct Stream {
    core::SessionId session{};
    core::UserId user{};
    std::uint64_t seq{0};
    std::deque<std::pair<std::uint64_t, net::Frame>> buffer;
    bool lost{false};  // frames were dropped: the next resume must resync
    net::PeerPtr peer;      // attached connection, if any
    core::TimePoint detached_at{};
  };

  void push(Stream& s, std::string_view event_bytes);
  void remove(core::SessionId session);

  StreamOptions options_;
  const core::Clock& clock_;
  core::AudienceIndex audiences_;
  std::unordered_map<core::SessionId, Stream> streams_;
  std::unordered_multimap<core::UserId, core::SessionId> sessions_of_user_;
  std::unordered_map<core::ConnectionId, core::SessionId> session_of_connection_;
  // Attached connections, kept apart from streams: a CloseConnection effect
  // must find its peer even after the session (and its stream) has ended.
  std::unordered_map<core::ConnectionId, net::PeerPtr> peers_;
  std::unordered_map<core::InteractionId, std::vector<core::SessionId>> spies_;
  void stop_spying(core::SessionId session);
};

}  // namespace contactd::api
