// Plain HTTP on the API port: health, readiness, and the upgrade to /ws.
#include <spdlog/spdlog.h>

#include "api/transport.h"

namespace contactd::api {
namespace {

constexpr std::size_t kMaxRequestBodyBytes = 8 * 1024;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Server::State> state, tcp::socket socket)
      : state_(std::move(state)), stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    stream_.expires_after(state_->options.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return close();
    if (ec) return;  // timeout or reset: nothing to answer
    auto request = parser_->release();
    if (websocket::is_upgrade(request)) {
      auto endpoint = state_->endpoints.find(std::string(request.target()));
      if (endpoint == state_->endpoints.end())
        return respond(simple(request, http::status::not_found, "no such endpoint\n"));
      stream_.expires_never();
      start_ws_session(state_, std::move(stream_), std::move(request), endpoint->second);
      return;
    }
    if (request.method() != http::verb::get)
      return respond(simple(request, http::status::method_not_allowed, "GET only\n"));
    if (request.target() == "/healthz")
      return respond(json(request, http::status::ok, R"({"status":"alive"})"));
    if (request.target() == "/readyz") {
      // The probe blocks (it asks the database): run it on the worker pool.
      net::post(state_->workers, [self = shared_from_this(), request = std::move(request)]() mutable {
        Readiness r = self->state_->readiness();
        net::post(self->stream_.get_executor(), [self, request = std::move(request), r]() mutable {
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

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  std::shared_ptr<Server::State> state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void start_http_session(std::shared_ptr<Server::State> state, tcp::socket socket) {
  std::make_shared<HttpSession>(std::move(state), std::move(socket))->run();
}

}  // namespace contactd::api
