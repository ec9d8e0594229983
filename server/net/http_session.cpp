// The request head on the API port: read and framed strictly
// (net/http_framing.h), then served by its route. A request this server
// might read differently from a proxy in front of it is answered with its 4xx
// status and the connection is closed.
#include "net/http_session.h"

#include <spdlog/spdlog.h>

#include "net/ws_upgrade_check.h"

namespace contactd::net {
namespace {

// After refusing a request, what the client still sends is read and dropped
// for this long (at most this much) before the close, so that the refusal is
// not destroyed by a reset (RFC 9112 §9.6).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 64 * 1024;

}  // namespace

void HttpSession::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
}

// The next request. A connection that has not authenticated by its login
// deadline (plain HTTP never does) gets no further requests.
void HttpSession::read() {
  ++exchange_;
  const auto now = std::chrono::steady_clock::now();
  if (now >= admitted_.login_deadline) return close();
  stream_.expires_at(std::min(now + state_->options.handshake_timeout, admitted_.login_deadline));
  read_head();
}

// Reads until the blank line that ends the request head, refusing a head
// larger than kMaxRequestHeadBytes.
void HttpSession::read_head() {
  auto text = pending();
  std::size_t blank = 0;  // CRLFs before the request line are ignored (RFC 9112 §2.2)
  while (text.substr(blank, 2) == "\r\n") blank += 2;
  if (blank > 0) {
    buffer_.consume(blank);
    text = pending();
  }
  if (const auto end = text.find("\r\n\r\n"); end != std::string_view::npos) {
    if (end + 4 > kMaxRequestHeadBytes) return refuse(*refusal_for_parse_error(http::error::header_limit));
    if (auto refusal = check_request_head(text.substr(0, end + 4))) return refuse(std::move(*refusal));
    return parse_head();
  }
  if (text.size() >= kMaxRequestHeadBytes) return refuse(*refusal_for_parse_error(http::error::header_limit));
  stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (ec) return self->close();  // gone or timed out: nobody to answer
    self->buffer_.commit(n);
    self->read_head();
  });
}

std::string_view HttpSession::pending() const {
  const auto data = buffer_.cdata();
  return std::string_view(static_cast<const char*>(data.data()), data.size());
}

void HttpSession::parse_head() {
  head_parser_.emplace();
  head_parser_->header_limit(static_cast<std::uint32_t>(kMaxRequestHeadBytes));
  head_parser_->body_limit(boost::none);  // the route's limit applies once it is known
  http::async_read_header(stream_, buffer_, *head_parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->on_error(ec);
    if (auto refusal = check_request_framing(self->head_parser_->get().base())) return self->refuse(std::move(*refusal));
    self->on_head();
  });
}

void HttpSession::on_head() {
  const auto& request = head_parser_->get();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  body_unread_ = false;
  body_pending_ = !head_parser_->is_done();
  head_ = request_head_of(request.base(), head_parser_->content_length(), admitted_.remote_address);
  const auto match = state_->routes.find(head_.method, head_.path);
  const Route* route = match.route;
  const bool upgrading = websocket::is_upgrade(request);
  if (!route || upgrading != std::holds_alternative<WebSocketEndpoint>(route->handler)) {
    // Not served here: the body (small, else 413) is read and dropped first,
    // so the connection can serve the next request.
    Response refusal = Response::text(404, "no such endpoint\n");
    if (route) {
      refusal = Response::text(426, "a WebSocket endpoint: upgrade\n");
      refusal.headers = {{"Upgrade", "websocket"}};
    } else if (!match.allow.empty()) {
      refusal = Response::text(405, "method not allowed\n");
      refusal.headers = {{"Allow", match.allow}};
    }
    return read_whole(BodyLimits{}, [this, refusal = std::move(refusal)](std::string) mutable {
      write_response(std::move(refusal));
    });
  }
  if (const auto* endpoint = std::get_if<WebSocketEndpoint>(&route->handler)) return upgrade(*endpoint);
  if (std::holds_alternative<StreamingHandler>(route->handler)) return start_stream(*route);
  read_whole(route->limits, [this, route](std::string body) {
    std::get<BufferedHandler>(route->handler)(head_, std::move(body), responder());
  });
}

void HttpSession::upgrade(WebSocketEndpoint endpoint) {
  whole_parser_.emplace(std::move(*head_parser_));
  whole_parser_->body_limit(kSmallBodyBytes);
  http::async_read(stream_, buffer_, *whole_parser_, [self = shared_from_this(), endpoint](beast::error_code ec, std::size_t) {
    if (ec) return self->on_error(ec);
    auto request = self->whole_parser_->release();
    if (auto refusal = check_websocket_upgrade(request, self->state_->options.allowed_origins)) {
      auto response = Response::text(static_cast<int>(refusal->status), std::move(refusal->reason));
      if (refusal->status == http::status::upgrade_required)
        response.headers = {{"Sec-WebSocket-Version", "13"}, {"Upgrade", "websocket"}};
      return self->write_response(std::move(response));
    }
    self->stream_.expires_never();
    start_ws_session(self->state_, std::move(self->stream_), std::move(request), endpoint, std::move(self->admitted_));
  });
}

void HttpSession::on_error(const beast::error_code& ec) {
  if (auto refusal = refusal_for_parse_error(ec)) return refuse(std::move(*refusal));
  close();
}

void HttpSession::refuse(FramingRefusal refusal) {
  ++exchange_;  // whatever a handler still answers is dropped
  auto res = std::make_shared<http::response<http::string_body>>(refusal.status, 11);
  res->set(http::field::server, "contactd");
  res->set(http::field::content_type, "text/plain");
  res->set(http::field::connection, "close");
  res->body() = std::move(refusal.reason);
  res->prepare_payload();
  stream_.expires_after(state_->options.handshake_timeout);
  http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
    if (ec) return;
    self->close_and_linger();
  });
}

void HttpSession::close_and_linger() {
  close();
  buffer_.clear();
  linger_until_ = std::chrono::steady_clock::now() + kLingerTime;
  stream_.expires_at(linger_until_);
  linger();
}

void HttpSession::linger() {
  if (lingered_bytes_ >= kLingerBytes) return;
  stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (ec) return;  // the client closed, or the time is up: the socket closes with the session
    self->lingered_bytes_ += n;
    self->buffer_.clear();
    self->linger();
  });
}

void HttpSession::close() {
  ++exchange_;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void start_http_session(std::shared_ptr<Server::State> state, tcp::socket socket, Unauthenticated admitted) {
  std::make_shared<HttpSession>(std::move(state), std::move(socket), std::move(admitted))->run();
}

}  // namespace contactd::net
