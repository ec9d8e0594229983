#pragma once
// An asynchronous WebSocket client for the load generator: many of them share
// one single-threaded io_context, so handlers need no locking. Frames are
// handed over as they arrive; writes are queued in order.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace contactd::bench {

class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  using OnFrame = std::function<void(std::string_view)>;
  using OnDone = std::function<void(bool ok)>;

  static std::shared_ptr<WsClient> make(boost::asio::io_context& io, bool binary);
  virtual ~WsClient() = default;

  // Connects to 127.0.0.1:port, upgrades at `path`, then reads until closed.
  virtual void connect(std::uint16_t port, std::string path, OnDone done) = 0;
  virtual void send(std::string frame) = 0;
  virtual void close() = 0;
  bool open() const { return open_; }

  OnFrame on_frame;                 // every frame received
  std::function<void()> on_closed;  // once, when the connection ends

 protected:
  bool open_{false};
};

}  // namespace contactd::bench
