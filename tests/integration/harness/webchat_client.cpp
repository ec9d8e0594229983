#include "harness/webchat_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "harness/timed_read.h"

namespace contactd::test {

namespace beast = boost::beast;
namespace net = boost::asio;

struct WebChatClient::Impl {
  net::io_context io;
  beast::websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
};

WebChatClient::WebChatClient(std::uint16_t port, const std::string& local_address) : impl_(std::make_unique<Impl>()) {
  auto& socket = beast::get_lowest_layer(impl_->ws).socket();
  socket.open(net::ip::tcp::v4());
  socket.bind(net::ip::tcp::endpoint(net::ip::make_address(local_address), 0));
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/webchat/v1");
  impl_->ws.text(true);
}

WebChatClient::~WebChatClient() {
  beast::error_code ec;
  impl_->ws.close(beast::websocket::close_code::normal, ec);
}

void WebChatClient::send(const boost::json::object& frame) { send_raw(boost::json::serialize(frame)); }

void WebChatClient::send_raw(const std::string& text) { impl_->ws.write(net::buffer(text)); }

boost::json::object WebChatClient::next_frame() {
  impl_->buffer.clear();
  REQUIRE_FALSE(timed_read(impl_->io, impl_->ws, impl_->buffer, std::chrono::seconds(5)));
  auto value = boost::json::parse(beast::buffers_to_string(impl_->buffer.cdata()));
  REQUIRE(value.is_object());
  return value.as_object();
}

boost::json::object WebChatClient::next() {
  for (;;) {
    auto frame = next_frame();
    if (frame.at("type").as_string() != "sent") return frame;
    sent_.push_back(static_cast<std::uint64_t>(frame.at("id").as_int64()));
  }
}

std::uint64_t WebChatClient::next_sent() {
  if (!sent_.empty()) {
    const auto id = sent_.front();
    sent_.erase(sent_.begin());
    return id;
  }
  for (;;) {
    auto frame = next_frame();
    if (frame.at("type").as_string() == "sent") return static_cast<std::uint64_t>(frame.at("id").as_int64());
    FAIL("expected a \"sent\" acknowledgement, got " << boost::json::serialize(frame));
  }
}

bool WebChatClient::try_next(boost::json::object& out, std::chrono::milliseconds limit) {
  auto ec = read_within(impl_->io, impl_->ws, impl_->buffer, limit);
  if (!ec || *ec) return false;
  auto value = boost::json::parse(beast::buffers_to_string(impl_->buffer.cdata()));
  if (!value.is_object()) return false;
  out = value.as_object();
  return true;
}

}  // namespace contactd::test
