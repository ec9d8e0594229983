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

WebChatClient::WebChatClient(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  beast::get_lowest_layer(impl_->ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/webchat/v1");
  impl_->ws.text(true);
}

WebChatClient::~WebChatClient() {
  beast::error_code ec;
  impl_->ws.close(beast::websocket::close_code::normal, ec);
}

void WebChatClient::send(const boost::json::object& frame) { send_raw(boost::json::serialize(frame)); }

void WebChatClient::send_raw(const std::string& text) { impl_->ws.write(net::buffer(text)); }

boost::json::object WebChatClient::next() {
  REQUIRE_FALSE(timed_read(impl_->io, impl_->ws, impl_->buffer, std::chrono::seconds(5)));
  auto value = boost::json::parse(beast::buffers_to_string(impl_->buffer.cdata()));
  REQUIRE(value.is_object());
  return value.as_object();
}

}  // namespace contactd::test
