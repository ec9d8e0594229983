#include "harness/fake_http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <future>
#include <list>
#include <optional>
#include <thread>

#include "harness/test_certificates.h"

namespace contactd::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::string FakeRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name)) return value;
  return {};
}

std::string FakeRequest::path() const {
  return target.substr(0, target.find('?'));
}

FakeReply FakeReply::json(unsigned status, std::string body) {
  FakeReply r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

namespace {

constexpr std::size_t kMaxRequestBody = 64 * 1024 * 1024;

class Session {
 public:
  virtual ~Session() = default;
  virtual void close() = 0;
  bool waiting{false};  // for the next request (server thread only)
};

struct Server {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::optional<ssl::context> tls;
  FakeHandler handler;
  std::thread loop;
  // Server thread only.
  std::list<std::weak_ptr<Session>> sessions;
  std::vector<std::shared_ptr<Session>> hung;  // kept open, never answered
};

}  // namespace

struct FakeHttpServer::Impl : Server {};

namespace {

template <class Stream>
class Link final : public Session, public std::enable_shared_from_this<Link<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Link(tcp::socket socket, Server& server, std::atomic<int>& connections, std::atomic<int>& requests)
      : stream_(make(std::move(socket), server)),
        timer_(stream_.get_executor()),
        server_(server),
        connections_(connections),
        requests_(requests) {}

  void start() {
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        ++self->connections_;
        self->read_next();
      });
    } else {
      ++connections_;
      read_next();
    }
  }

  void close() override {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  static Stream make(tcp::socket socket, Server& server) {
    if constexpr (kTls)
      return Stream(std::move(socket), *server.tls);
    else
      return Stream(std::move(socket));
  }

  void read_next() {
    waiting = true;
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->waiting = false;
      if (ec) return self->close();
      ++self->requests_;
      self->answer(self->parser_->release());
    });
  }

  void answer(http::request<http::string_body> req) {
    FakeRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& f : req) in.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    in.body = std::move(req.body());
    FakeReply out;
    try {
      out = server_.handler(in);
    } catch (const std::exception& e) {
      out = FakeReply::json(500, std::string(R"({"fake_error":")") + e.what() + "\"}");
    }
    if (out.kind == FakeReply::Kind::drop) return close();
    if (out.kind == FakeReply::Kind::hang) return server_.hung.push_back(this->shared_from_this());
    response_ = {static_cast<http::status>(out.status), 11};
    for (const auto& [name, value] : out.headers) response_.set(name, value);
    body_ = out.shared_body ? std::move(out.shared_body) : std::make_shared<const std::string>(std::move(out.body));
    response_.body() = http::span_body<const char>::value_type(body_->data(), body_->size());
    response_.keep_alive(req.keep_alive() && !out.close);
    if (out.chunked)
      response_.chunked(true);
    else
      response_.prepare_payload();
    if (out.delay.count() == 0) return write();
    timer_.expires_after(out.delay);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->write();
    });
  }

  void write() {
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->close();
      self->read_next();
    });
  }

  Stream stream_;
  net::steady_timer timer_;  // delayed answers
  Server& server_;
  std::atomic<int>& connections_;
  std::atomic<int>& requests_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const std::string> body_;  // what response_'s body points into
  http::response<http::span_body<const char>> response_;
};

template <class Stream>
std::shared_ptr<Session> open(tcp::socket socket, Server& server, std::atomic<int>& connections,
                              std::atomic<int>& requests) {
  auto link = std::make_shared<Link<Stream>>(std::move(socket), server, connections, requests);
  link->start();
  return link;
}

}  // namespace

FakeHttpServer::FakeHttpServer(FakeHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  start();
}

FakeHttpServer::FakeHttpServer(FakeHandler handler, const TestCertificates& tls) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->tls.emplace(ssl::context::tls_server);
  impl_->tls->use_certificate_chain_file(tls.cert_file());
  impl_->tls->use_private_key_file(tls.key_file(), ssl::context::pem);
  start();
}

void FakeHttpServer::start() {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->loop = std::thread([this] {
    std::function<void()> accept = [&] {
      impl_->acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
        if (ec) return;
        std::shared_ptr<Session> session;
        if (impl_->tls)
          session = open<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), *impl_, connections_, requests_);
        else
          session = open<beast::tcp_stream>(std::move(socket), *impl_, connections_, requests_);
        impl_->sessions.remove_if([](const auto& w) { return w.expired(); });
        impl_->sessions.push_back(session);
        accept();
      });
    };
    accept();
    impl_->io.run();
  });
}

FakeHttpServer::~FakeHttpServer() {
  net::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& w : impl_->sessions)
      if (auto s = w.lock()) s->close();
    impl_->hung.clear();
  });
  impl_->loop.join();
}

std::string FakeHttpServer::base_url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

int FakeHttpServer::close_idle_connections() {
  std::promise<int> closed;
  net::post(impl_->io, [this, &closed] {
    int n = 0;
    for (auto& w : impl_->sessions)
      if (auto s = w.lock(); s && s->waiting) {
        s->close();
        ++n;
      }
    closed.set_value(n);
  });
  return closed.get_future().get();
}

}  // namespace contactd::test
