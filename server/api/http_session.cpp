// Plain HTTP on the API port: health, readiness, and the upgrade to the
// WebSocket endpoints. Requests are framed strictly (api/http_framing.h): a
// request this server might read differently from a proxy in front of it is
// answered with its 4xx status and the connection is closed.
#include <spdlog/spdlog.h>

#include "api/http_framing.h"
#include "api/transport.h"
#include "api/ws_upgrade_check.h"

namespace contactd::api {
namespace {

constexpr std::size_t kMaxRequestBodyBytes = 8 * 1024;
// After refusing a request, what the client still sends is read and dropped
// for this long (at most this much) before the close, so that the refusal is
// not destroyed by a reset (RFC 9112 §9.6).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 64 * 1024;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Server::State> state, tcp::socket socket, Unauthenticated admitted)
      : state_(std::move(state)), stream_(std::move(socket)), admitted_(std::move(admitted)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  // The next request. A connection that has not authenticated by its login
  // deadline (plain HTTP never does) gets no further requests.
  void read() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= admitted_.login_deadline) return close();
    stream_.expires_at(std::min(now + state_->options.handshake_timeout, admitted_.login_deadline));
    read_head();
  }

  // Reads until the blank line that ends the request head, refusing a head
  // larger than kMaxRequestHeadBytes.
  void read_head() {
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

  std::string_view pending() const {
    const auto data = buffer_.cdata();
    return std::string_view(static_cast<const char*>(data.data()), data.size());
  }

  void parse_head() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxRequestHeadBytes));
    parser_->body_limit(kMaxRequestBodyBytes);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_error(ec);
      if (auto refusal = check_request_framing(self->parser_->get().base())) return self->refuse(std::move(*refusal));
      http::async_read(self->stream_, self->buffer_, *self->parser_, [self](beast::error_code read_ec, std::size_t) {
        if (read_ec) return self->on_error(read_ec);
        self->on_request(self->parser_->release());
      });
    });
  }

  void on_error(const beast::error_code& ec) {
    if (auto refusal = refusal_for_parse_error(ec)) return refuse(std::move(*refusal));
    close();
  }

  void on_request(http::request<http::string_body> request) {
    if (websocket::is_upgrade(request)) {
      auto endpoint = state_->endpoints.find(std::string(request.target()));
      if (endpoint == state_->endpoints.end())
        return respond(simple(request, http::status::not_found, "no such endpoint\n"));
      if (auto refusal = check_websocket_upgrade(request, state_->options.allowed_origins)) {
        auto res = simple(request, refusal->status, std::move(refusal->reason));
        if (refusal->status == http::status::upgrade_required) {
          res.set(http::field::sec_websocket_version, "13");
          res.set(http::field::upgrade, "websocket");
        }
        return respond(std::move(res));
      }
      stream_.expires_never();
      start_ws_session(state_, std::move(stream_), std::move(request), endpoint->second, std::move(admitted_));
      return;
    }
    if (request.method() != http::verb::get)
      return respond(simple(request, http::status::method_not_allowed, "GET only\n"));
    if (request.target() == "/healthz") return respond(json(request, http::status::ok, R"({"status":"alive"})"));
    if (request.target() == "/readyz") {
      // The probe blocks (it asks the database): it runs on its own thread.
      state_->readiness.request([self = shared_from_this(), request = std::move(request)](const Readiness& r) {
        net::post(self->stream_.get_executor(), [self, request, r]() mutable {
          self->respond(json(request, r.ready ? http::status::ok : http::status::service_unavailable, r.detail));
        });
      });
      return;
    }
    if (auto page = state_->pages.find(std::string(request.target())); page != state_->pages.end()) {
      auto res = simple(request, http::status::ok, page->second.body);
      res.set(http::field::content_type, page->second.content_type);
      return respond(std::move(res));
    }
    respond(simple(request, http::status::not_found, "no such endpoint\n"));
  }

  template <class Request>
  static http::response<http::string_body> simple(const Request& req, http::status status, std::string body) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "contactd");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  template <class Request>
  static http::response<http::string_body> json(const Request& req, http::status status, std::string body) {
    auto res = simple(req, status, std::move(body));
    res.set(http::field::content_type, "application/json");
    return res;
  }

  void respond(http::response<http::string_body> res) {
    auto shared = std::make_shared<http::response<http::string_body>>(std::move(res));
    stream_.expires_after(state_->options.handshake_timeout);
    http::async_write(stream_, *shared, [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (!shared->keep_alive()) return self->close();
      self->read();
    });
  }

  // Answers a request that cannot be read safely, then closes: what follows
  // on this connection cannot be told apart from the refused request's body.
  void refuse(FramingRefusal refusal) {
    auto res = std::make_shared<http::response<http::string_body>>(refusal.status, 11);
    res->set(http::field::server, "contactd");
    res->set(http::field::content_type, "text/plain");
    res->set(http::field::connection, "close");
    res->body() = std::move(refusal.reason);
    res->prepare_payload();
    stream_.expires_after(state_->options.handshake_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->close();
      self->buffer_.clear();
      self->linger_until_ = std::chrono::steady_clock::now() + kLingerTime;
      self->stream_.expires_at(self->linger_until_);
      self->linger();
    });
  }

  void linger() {
    if (lingered_bytes_ >= kLingerBytes) return;
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return;  // the client closed, or the time is up: the socket closes with the session
      self->lingered_bytes_ += n;
      self->buffer_.clear();
      self->linger();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  std::shared_ptr<Server::State> state_;
  beast::tcp_stream stream_;
  Unauthenticated admitted_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point linger_until_;
  std::size_t lingered_bytes_{0};
};

}  // namespace

void start_http_session(std::shared_ptr<Server::State> state, tcp::socket socket, Unauthenticated admitted) {
  std::make_shared<HttpSession>(std::move(state), std::move(socket), std::move(admitted))->run();
}

}  // namespace contactd::api
