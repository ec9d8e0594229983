#pragma once
// One client connection as the API logic sees it. Implemented by the WebSocket
// session; every method is thread-safe (it posts to the connection's strand).
#include <memory>
#include <string>

#include "core/ids.h"

namespace contactd::api {

// A serialised Envelope, shared between everyone it is sent to.
using Frame = std::shared_ptr<const std::string>;

enum class CloseCode { normal, going_away, policy };

class Peer {
 public:
  virtual ~Peer() = default;
  virtual core::ConnectionId id() const = 0;
  // Queues a binary frame. A peer whose queue is full is closed (slow client).
  virtual void send(Frame frame) = 0;
  // Sends what is queued, then closes with `reason`.
  virtual void close(CloseCode code, std::string reason) = 0;
};

using PeerPtr = std::shared_ptr<Peer>;

}  // namespace contactd::api
