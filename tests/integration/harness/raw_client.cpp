#include "harness/raw_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "harness/timed_read.h"

namespace contactd::test {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

// Time left until `deadline`, if any.
std::optional<std::chrono::milliseconds> remaining(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return std::nullopt;
  return left;
}

}  // namespace

struct RawClient::Impl {
  net::io_context io;
  beast::websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
};

RawClient::RawClient(std::uint16_t port, int receive_buffer_bytes, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
  auto& socket = beast::get_lowest_layer(impl_->ws).socket();
  socket.open(net::ip::tcp::v4());
  if (!source.empty()) socket.bind(net::ip::tcp::endpoint(net::ip::make_address(source), 0));
  if (receive_buffer_bytes > 0) socket.set_option(net::socket_base::receive_buffer_size(receive_buffer_bytes));
  beast::get_lowest_layer(impl_->ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
  impl_->ws.binary(true);
}

RawClient::~RawClient() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

std::optional<contactd::v1::Envelope> RawClient::request(const contactd::v1::Command& command,
                                                         std::chrono::milliseconds limit) {
  contactd::v1::Envelope out;
  out.set_request_id(++next_id_);
  *out.mutable_command() = command;
  beast::error_code ec;
  impl_->ws.write(net::buffer(out.SerializeAsString()), ec);
  if (ec) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (auto left = remaining(deadline)) {
    auto read = read_within(impl_->io, impl_->ws, impl_->buffer, *left);
    if (!read || *read) return std::nullopt;
    contactd::v1::Envelope in;
    const auto data = impl_->buffer.cdata();
    if (!in.ParseFromArray(data.data(), static_cast<int>(data.size()))) return std::nullopt;
    if (in.request_id() == out.request_id()) return in;
  }
  return std::nullopt;
}

std::optional<std::pair<int, std::string>> RawClient::wait_closed(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (auto left = remaining(deadline)) {
    auto read = read_within(impl_->io, impl_->ws, impl_->buffer, *left);
    if (!read) return std::nullopt;
    if (*read) {
      const auto& reason = impl_->ws.reason();
      return std::make_pair(static_cast<int>(reason.code), std::string(reason.reason.c_str()));
    }
  }
  return std::nullopt;
}

}  // namespace contactd::test
