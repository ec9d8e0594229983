#pragma once
// One client connection as the API logic sees it. Implemented by the WebSocket
// session; every method is thread-safe (it posts to the connection's strand).
#include <memory>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace contactd::net {

// A serialised Envelope, shared between everyone it is sent to.
using Frame = std::shared_ptr<const std::string>;

enum class CloseCode { normal, going_away, policy };

class Peer {
 public:
  virtual ~Peer() = default;
  virtual core::ConnectionId id() const = 0;
  // The client's IP address as text ("127.0.0.1", "::1"), fixed for the
  // connection's life: the key of every per-source limit.
  virtual const std::string& remote_address() const = 0;
  // The connection now acts for someone (an API login or resume, a WebChat
  // conversation): it no longer counts against the caps on unauthenticated
  // connections and its login deadline is lifted. Idempotent.
  virtual void mark_authenticated() = 0;
  // Queues a binary frame. A peer whose queue is full is closed (slow client).
  virtual void send(Frame frame) = 0;
  // Sends what is queued, then closes with `reason`.
  virtual void close(CloseCode code, std::string reason) = 0;
};

using PeerPtr = std::shared_ptr<Peer>;

// What a WebSocket endpoint does with its connections' frames.
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // A frame arrived on `peer`. Called on the connection's strand.
  virtual void on_frame(const PeerPtr& peer, std::string_view bytes, bool binary) = 0;
  // The connection is gone (after its last frame).
  virtual void on_closed(const PeerPtr& peer) = 0;
};

}  // namespace contactd::net
