#include "ws_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace contactd::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class BeastClient final : public WsClient {
 public:
  BeastClient(net::io_context& io, bool binary) : ws_(io), binary_(binary) {}

  void connect(std::uint16_t port, std::string path, OnDone done) override {
    path_ = std::move(path);
    auto self = std::static_pointer_cast<BeastClient>(shared_from_this());
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(net::ip::address_v4::loopback(), port), [self, done](beast::error_code ec) {
          if (ec) return done(false);
          beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true));
          self->ws_.async_handshake("127.0.0.1", self->path_, [self, done](beast::error_code ec) {
            beast::get_lowest_layer(self->ws_).expires_never();
            if (ec) return done(false);
            self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            self->ws_.binary(self->binary_);
            self->ws_.read_message_max(64 * 1024 * 1024);
            self->open_ = true;
            done(true);
            self->read();
          });
        });
  }

  void send(std::string frame) override {
    if (!open_) return;
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) write();
  }

  void close() override {
    if (!open_ || closing_) return;
    closing_ = true;
    auto self = std::static_pointer_cast<BeastClient>(shared_from_this());
    ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
  }

 private:
  void read() {
    auto self = std::static_pointer_cast<BeastClient>(shared_from_this());
    ws_.async_read(buffer_, [self](beast::error_code ec, std::size_t) {
      if (ec) return self->ended();
      const auto data = self->buffer_.cdata();
      if (self->on_frame) self->on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void write() {
    auto self = std::static_pointer_cast<BeastClient>(shared_from_this());
    ws_.async_write(net::buffer(queue_.front()), [self](beast::error_code ec, std::size_t) {
      if (ec) return;  // the read side reports the end
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->write();
    });
  }

  void ended() {
    if (!open_) return;
    open_ = false;
    if (on_closed) on_closed();
    on_frame = nullptr;  // break cycles through captured pointers
    on_closed = nullptr;
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::string path_;
  bool binary_;
  bool closing_{false};
};

}  // namespace

std::shared_ptr<WsClient> WsClient::make(boost::asio::io_context& io, bool binary) {
  return std::make_shared<BeastClient>(io, binary);
}

}  // namespace contactd::bench
