#include "harness/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "harness/timed_read.h"
#include <functional>

namespace contactd::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

constexpr auto kTimeout = std::chrono::seconds(5);

struct Client::Impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool closed{false};
};

Client::Client(std::uint16_t port, const std::string& source) : impl_(std::make_unique<Impl>()) {
  auto& s = beast::get_lowest_layer(impl_->ws);
  s.socket().open(net::ip::tcp::v4());
  s.socket().bind(net::ip::tcp::endpoint(net::ip::make_address(source), 0));
  s.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  impl_->ws.binary(true);
  impl_->ws.read_message_max(64 * 1024 * 1024);
}

Client::~Client() {
  if (!impl_->closed) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  }
}

void Client::send_raw(const std::string& bytes, bool binary) {
  impl_->ws.binary(binary);
  // A write the server cut short (it may close first, e.g. on an oversized
  // frame) shows up as a closed connection on the next read.
  beast::error_code ec;
  impl_->ws.write(net::buffer(bytes), ec);
  impl_->ws.binary(true);
}

std::uint64_t Client::send(const v1::Command& command) {
  v1::Envelope e;
  e.set_request_id(next_request_++);
  *e.mutable_command() = command;
  send_raw(e.SerializeAsString());
  return e.request_id();
}

std::optional<v1::Envelope> Client::read_one(std::chrono::milliseconds timeout) {
  if (impl_->closed) return std::nullopt;
  if (timed_read(impl_->io, impl_->ws, impl_->buffer, timeout)) {
    impl_->closed = true;
    return std::nullopt;
  }
  v1::Envelope e;
  const auto data = impl_->buffer.cdata();
  REQUIRE(e.ParseFromArray(data.data(), static_cast<int>(data.size())));
  if (e.has_event()) {
    CHECK(e.seq() == last_seq_ + 1);  // streams have no gaps and no repeats
    last_seq_ = e.seq();
  }
  return e;
}

v1::Envelope Client::request(const v1::Command& command) {
  const auto id = send(command);
  for (;;) {
    auto e = read_one(kTimeout);
    if (!e) FAIL("connection closed while waiting for request " << id);
    if (e->request_id() == id) {
      if (e->has_response() && e->response().has_login()) last_seq_ = e->response().login().seq();
      if (e->has_response() && e->response().has_resume()) {
        // Replayed events follow the response; they continue from the client's last_seq.
        if (e->response().resume().resync()) last_seq_ = e->response().resume().seq();
      }
      return *e;
    }
    unsolicited_.push_back(std::move(*e));
  }
}

v1::Envelope Client::next_frame(std::chrono::milliseconds timeout) {
  if (!unsolicited_.empty()) {
    auto e = std::move(unsolicited_.front());
    unsolicited_.pop_front();
    return e;
  }
  auto e = read_one(timeout);
  if (!e) FAIL("connection closed while waiting for a frame");
  return *e;
}

v1::Envelope Client::next_event(std::chrono::milliseconds timeout) {
  auto e = next_frame(timeout);
  INFO(e.DebugString());
  REQUIRE(e.has_event());
  return e;
}

CloseInfo Client::wait_closed() {
  while (read_one(kTimeout)) {
  }
  auto reason = impl_->ws.reason();
  return CloseInfo{static_cast<int>(reason.code), std::string(reason.reason.c_str())};
}

CloseInfo Client::send_until_closed(const std::string& bytes) {
  bool read_done = false;
  impl_->buffer.clear();
  impl_->ws.async_write(net::buffer(bytes), [](beast::error_code, std::size_t) {});
  std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t) {
    if (ec) {
      read_done = true;
      return;
    }
    impl_->buffer.clear();  // frames sent before the close: not what this waits for
    impl_->ws.async_read(impl_->buffer, on_read);
  };
  impl_->ws.async_read(impl_->buffer, on_read);
  impl_->io.restart();
  impl_->io.run_for(kTimeout);
  if (!read_done) FAIL("the server did not close the connection");
  impl_->closed = true;
  auto reason = impl_->ws.reason();
  return CloseInfo{static_cast<int>(reason.code), std::string(reason.reason.c_str())};
}

void Client::close() {
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
  impl_->closed = true;
}

v1::Envelope Client::login(const std::string& login, const std::string& password) {
  v1::Command c;
  c.mutable_login()->set_login(login);
  c.mutable_login()->set_password(password);
  return request(c);
}

v1::Envelope Client::resume(const std::string& token, std::uint64_t last_seq) {
  v1::Command c;
  c.mutable_resume()->set_token(token);
  c.mutable_resume()->set_last_seq(last_seq);
  last_seq_ = last_seq;
  return request(c);
}

v1::Envelope Client::set_status(std::uint64_t status_id, std::uint64_t target) {
  v1::Command c;
  c.mutable_set_status()->set_status_id(status_id);
  c.mutable_set_status()->set_target_user_id(target);
  return request(c);
}

v1::Envelope Client::clear_status(std::uint64_t target) {
  v1::Command c;
  c.mutable_clear_status()->set_target_user_id(target);
  return request(c);
}

v1::Envelope Client::snapshot() {
  v1::Command c;
  c.mutable_get_snapshot();
  return request(c);
}

v1::Envelope Client::logout() {
  v1::Command c;
  c.mutable_logout();
  return request(c);
}

}  // namespace contactd::test
