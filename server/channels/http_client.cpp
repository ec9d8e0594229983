#include "channels/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <deque>
#include <mutex>
#include <stdexcept>

namespace contactd::channels {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Where the base URL points.
struct Origin {
  bool tls{false};
  std::string host_header;  // host[:port] as written
  std::string address;      // for resolution, SNI and the certificate's name check
  std::string port;
  std::string prefix;  // the base path, without a trailing '/'
};

Origin parse_origin(const std::string& text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host_address().empty())
    throw std::invalid_argument("not an http:// or https:// URL: \"" + text + "\"");
  Origin o;
  o.tls = url->scheme() == "https";
  o.host_header = std::string(url->encoded_host_and_port());
  o.address = std::string(url->host_address());
  o.port = url->has_port() ? std::string(url->port()) : (o.tls ? "443" : "80");
  o.prefix = std::string(url->encoded_path());
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  return o;
}

// Peer verification on: the system trust store plus `options.ca_file`.
std::shared_ptr<ssl::context> make_tls_context(const HttpClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (!options.verify_tls) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  context->set_default_verify_paths(ec);  // none on the machine: ca_file may still do
  if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, ec);
    if (ec) throw std::invalid_argument("cannot load the CA file " + options.ca_file + ": " + ec.message());
  }
  return context;
}

bool is_safe_method(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

// The wait `Keep-Alive: timeout=N` allows, less a second (nullopt: not announced).
std::optional<std::chrono::milliseconds> announced_keep_alive(std::string_view value) {
  const auto at = value.find("timeout=");
  if (at == std::string_view::npos) return std::nullopt;
  long seconds = 0;
  for (std::size_t i = at + 8; i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])); ++i)
    seconds = std::min(seconds * 10 + (value[i] - '0'), 86400L);
  return std::chrono::milliseconds(std::max(0L, seconds - 1) * 1000);
}

HttpError read_error(const beast::error_code& ec) {
  if (ec == http::error::body_limit || ec == http::error::header_limit) return HttpError::response_too_large;
  if (ec == beast::error::timeout) return HttpError::timeout;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return HttpError::connection_lost;
  if (&ec.category() == &http::make_error_code(http::error::bad_version).category()) return HttpError::bad_response;
  return HttpError::connection_lost;
}

struct Exchange {
  http::request<http::string_body> message;
  HttpCallback done;
  Clock::time_point deadline;
  bool resent{false};
  // While waiting for a connection (guarded by Pool::mu).
  bool queued{false};
  std::unique_ptr<net::steady_timer> queue_timer;
};
using ExchangePtr = std::shared_ptr<Exchange>;

class Pool;

// One TCP (or TLS) connection of a pool. Its I/O runs on its own strand.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void open(ExchangePtr x) = 0;   // connects, then sends x
  virtual void reuse(ExchangePtr x) = 0;  // sends x, unless the server closed the connection meanwhile
  virtual void watch(std::uint64_t generation) = 0;  // while idle: leaves the pool when the server closes
  virtual void close() = 0;                          // any thread

  // Guarded by Pool::mu.
  bool idle{false};
  std::uint64_t generation{0};  // one per idle period
  Clock::time_point idle_until;
};

// The connections of one HttpClient and the requests waiting for one. Every
// connection holds it; HttpClient's destructor breaks the cycle with the idle
// ones (shut_down).
class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(net::io_context& io, HttpClientOptions options)
      : io(io),
        options(std::move(options)),
        origin(parse_origin(this->options.base_url)),
        tls(origin.tls ? make_tls_context(this->options) : nullptr) {}

  net::io_context& io;
  const HttpClientOptions options;
  const Origin origin;
  const std::shared_ptr<ssl::context> tls;  // null for http

  std::atomic<std::uint64_t> requests{0}, opened{0}, reused{0}, stale{0}, resent{0}, failures{0};

  // Sends x over an idle connection, a new one, or the first that frees up.
  void start(ExchangePtr x);
  // The connection's request is over: keep it for the next (reusable) or close it.
  void release(const std::shared_ptr<Connection>& c, bool reusable, Clock::time_point idle_until);
  // c (busy) is gone: a new connection takes its place for x.
  void reopen(ExchangePtr x);
  // c was idle since `generation` and the server closed it.
  void drop_idle(const std::shared_ptr<Connection>& c, std::uint64_t generation);
  bool still_idle(const Connection& c, std::uint64_t generation);
  void finish(const ExchangePtr& x, HttpResult result);
  void fail_later(ExchangePtr x, HttpFailure failure);
  void shutdown();

 private:
  std::shared_ptr<Connection> make_connection();
  ExchangePtr pop_waiter();  // REQUIRES: mu held, waiting not empty
  void give_up_waiting(const ExchangePtr& x);

  std::mutex mu;
  std::vector<std::shared_ptr<Connection>> idle_;  // most recently used last
  std::size_t open_{0};                            // idle, busy or connecting
  std::deque<ExchangePtr> waiting_;
  bool closed_{false};
};

template <class Stream>
class Link final : public Connection, public std::enable_shared_from_this<Link<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  explicit Link(std::shared_ptr<Pool> pool)
      : pool_(std::move(pool)),
        resolver_(net::make_strand(pool_->io)),
        stream_(make_stream(resolver_.get_executor(), pool_->tls.get())),
        resolve_timer_(resolver_.get_executor()) {}

  void open(ExchangePtr x) override {
    net::post(resolver_.get_executor(), [self = this->shared_from_this(), x = std::move(x)]() mutable {
      self->x_ = std::move(x);
      self->reused_ = false;
      self->connect();
    });
  }

  void reuse(ExchangePtr x) override {
    net::post(resolver_.get_executor(), [self = this->shared_from_this(), x = std::move(x)]() mutable {
      self->x_ = std::move(x);
      beast::error_code ignored;
      self->socket().cancel(ignored);  // the idle watch
      if (self->closed_by_server()) {
        ++self->pool_->stale;
        self->close_now();
        return self->pool_->reopen(std::exchange(self->x_, nullptr));
      }
      ++self->pool_->reused;
      self->reused_ = true;
      self->send();
    });
  }

  void watch(std::uint64_t generation) override {
    net::post(resolver_.get_executor(), [self = this->shared_from_this(), generation] {
      if (!self->pool_->still_idle(*self, generation)) return;
      // Taken meanwhile: reuse() runs after this, on this strand, and cancels the wait.
      self->socket().async_wait(tcp::socket::wait_read, [self, generation](beast::error_code ec) {
        if (ec != net::error::operation_aborted) self->pool_->drop_idle(self, generation);
      });
    });
  }

  void close() override {
    net::post(resolver_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  static Stream make_stream(const net::any_io_executor& executor, [[maybe_unused]] ssl::context* tls) {
    if constexpr (kTls)
      return Stream(executor, *tls);
    else
      return Stream(executor);
  }

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  // Without a TLS close_notify: nothing more is owed to the server.
  void close_now() {
    beast::error_code ignored;
    resolve_timer_.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  // An idle connection is usable only while the server has sent nothing:
  // end of stream, a reset, an unasked-for answer (408) or a TLS alert all
  // mean it is closing.
  bool closed_by_server() {
    if (!socket().is_open()) return true;
    if constexpr (kTls) {
      if (SSL_pending(stream_.native_handle()) > 0) return true;
    }
    char byte;
    const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return true;
    return errno != EAGAIN && errno != EWOULDBLOCK;
  }

  void connect() {
    ++pool_->opened;
    const auto& options = pool_->options;
    const auto deadline = std::min(Clock::now() + options.connect_timeout, x_->deadline);
    if constexpr (kTls) {
      if (!prepare_tls()) return;
    }
    resolve_timer_.expires_at(deadline);
    resolve_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->resolver_.cancel();
    });
    resolver_.async_resolve(
        pool_->origin.address, pool_->origin.port,
        [self = this->shared_from_this(), deadline](beast::error_code ec, tcp::resolver::results_type found) {
          self->resolve_timer_.cancel();
          if (ec == net::error::operation_aborted)
            return self->fail(HttpError::connect_timeout, HttpDelivery::not_sent, "resolve: timed out");
          if (ec) return self->fail(HttpError::resolve, HttpDelivery::not_sent, "resolve: " + ec.message());
          auto& lowest = beast::get_lowest_layer(self->stream_);
          lowest.expires_at(deadline);
          lowest.async_connect(found, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2 == beast::error::timeout)
              return self->fail(HttpError::connect_timeout, HttpDelivery::not_sent, "connect: timed out");
            if (ec2) return self->fail(HttpError::connect, HttpDelivery::not_sent, "connect: " + ec2.message());
            if constexpr (kTls)
              self->handshake();
            else
              self->send();
          });
        });
  }

  // SNI (host names only: RFC 6066 forbids addresses) and the check that the
  // certificate names the URL's host. False (after failing) if OpenSSL refuses.
  bool prepare_tls() {
    if constexpr (kTls) {
      const std::string& host = pool_->origin.address;
      beast::error_code ec;
      net::ip::make_address(host, ec);
      const bool address = !ec;
      if (!address && !SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str())) {
        fail(HttpError::tls, HttpDelivery::not_sent, "TLS: cannot set the server name");
        return false;
      }
      if (!pool_->options.verify_tls) return true;
      // host_name_verification only rejects; record why, for the log.
      stream_.set_verify_callback(
          [check = ssl::host_name_verification(host), address](bool preverified, ssl::verify_context& ctx) {
            if (check(preverified, ctx)) return true;
            if (preverified)
              X509_STORE_CTX_set_error(ctx.native_handle(),
                                       address ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
            return false;
          });
    }
    return true;
  }

  void handshake() {
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) return self->send();
        if (ec == beast::error::timeout)
          return self->fail(HttpError::connect_timeout, HttpDelivery::not_sent, "TLS handshake: timed out");
        std::string why = "TLS handshake: " + ec.message();
        const long verify = SSL_get_verify_result(self->stream_.native_handle());
        if (verify != X509_V_OK) why += std::string(": ") + X509_verify_cert_error_string(verify);
        self->fail(HttpError::tls, HttpDelivery::not_sent, why);
      });
    }
  }

  void send() {
    beast::get_lowest_layer(stream_).expires_at(x_->deadline);
    http::async_write(stream_, x_->message, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      // Not all of the request reached the kernel: the server cannot act on it.
      if (ec) {
        if (self->reused_ && !self->x_->resent && ec != beast::error::timeout) return self->resend();
        return self->fail(ec == beast::error::timeout ? HttpError::timeout : HttpError::connection_lost,
                          HttpDelivery::not_sent, "write: " + ec.message());
      }
      self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(pool_->options.max_response_body);
    parser_->header_limit(kMaxHeaderBytes);
    if (x_->message.method() == http::verb::head) parser_->skip(true);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) return self->succeed();
      // A kept-alive connection closed before any byte of the answer: most
      // likely the server closed it as we wrote. Only safe methods go again.
      const bool nothing = !self->parser_->got_some() && self->buffer_.size() == 0;
      if (nothing && self->reused_ && !self->x_->resent && ec != beast::error::timeout &&
          is_safe_method(self->x_->message.method()))
        return self->resend();
      std::string detail = "read: " + ec.message();
      if (ec == http::error::body_limit)
        detail = "response body over " + std::to_string(self->pool_->options.max_response_body) + " bytes";
      self->fail(read_error(ec), HttpDelivery::maybe_sent, detail);
    });
  }

  void resend() {
    ++pool_->resent;
    x_->resent = true;
    close_now();
    pool_->reopen(std::exchange(x_, nullptr));
  }

  void succeed() {
    auto& res = parser_->get();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    auto keep_for = pool_->options.idle_timeout;
    if (auto announced = find_header(out.headers, "Keep-Alive"))
      if (auto limit = announced_keep_alive(*announced)) keep_for = std::min(keep_for, *limit);
    const bool reusable = parser_->keep_alive() && buffer_.size() == 0 && keep_for.count() > 0;
    parser_.reset();
    beast::get_lowest_layer(stream_).expires_never();
    if (!reusable) close_now();
    auto x = std::exchange(x_, nullptr);
    pool_->release(this->shared_from_this(), reusable, Clock::now() + keep_for);
    pool_->finish(x, std::move(out));
  }

  void fail(HttpError error, HttpDelivery delivery, std::string detail) {
    close_now();
    auto x = std::exchange(x_, nullptr);
    pool_->release(this->shared_from_this(), false, {});
    pool_->finish(x, HttpFailure{error, delivery, std::move(detail)});
  }

  std::shared_ptr<Pool> pool_;
  tcp::resolver resolver_;  // its executor is this connection's strand
  Stream stream_;
  net::steady_timer resolve_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  ExchangePtr x_;  // the request under way
  bool reused_{false};
};

std::shared_ptr<Connection> Pool::make_connection() {
  if (tls) return std::make_shared<Link<TlsStream>>(shared_from_this());
  return std::make_shared<Link<PlainStream>>(shared_from_this());
}

ExchangePtr Pool::pop_waiter() {
  auto x = std::move(waiting_.front());
  waiting_.pop_front();
  x->queued = false;
  auto* timer = x->queue_timer.get();
  net::post(timer->get_executor(), [x] { x->queue_timer->cancel(); });
  return x;
}

void Pool::start(ExchangePtr x) {
  std::shared_ptr<Connection> connection;
  bool fresh = false;
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard lock(mu);
    if (closed_) return fail_later(std::move(x), {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
    const auto now = Clock::now();
    while (!connection && !idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->idle = false;
      if (now < c->idle_until) {
        connection = std::move(c);
      } else {
        --open_;
        expired.push_back(std::move(c));
      }
    }
    if (!connection && open_ < std::max<std::size_t>(options.max_connections, 1)) {
      ++open_;
      fresh = true;
      connection = make_connection();
    }
    if (!connection) {
      x->queued = true;
      x->queue_timer = std::make_unique<net::steady_timer>(net::make_strand(io), x->deadline);
      x->queue_timer->async_wait([self = shared_from_this(), x](beast::error_code ec) {
        if (!ec) self->give_up_waiting(x);
      });
      waiting_.push_back(std::move(x));
    }
  }
  for (auto& c : expired) c->close();
  if (!connection) return;
  if (fresh)
    connection->open(std::move(x));
  else
    connection->reuse(std::move(x));
}

void Pool::give_up_waiting(const ExchangePtr& x) {
  {
    std::lock_guard lock(mu);
    if (!x->queued) return;
    x->queued = false;
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), x));
  }
  finish(x, HttpFailure{HttpError::timeout, HttpDelivery::not_sent, "no free connection in time"});
}

void Pool::release(const std::shared_ptr<Connection>& c, bool reusable, Clock::time_point idle_until) {
  ExchangePtr next;
  std::shared_ptr<Connection> fresh;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu);
    if (closed_) reusable = false;
    if (reusable && !waiting_.empty()) {
      next = pop_waiter();
    } else if (reusable) {
      c->idle = true;
      c->idle_until = idle_until;
      generation = ++c->generation;
      idle_.push_back(c);
    } else if (!waiting_.empty()) {
      next = pop_waiter();  // a new connection in c's place
      fresh = make_connection();
    } else {
      --open_;
    }
  }
  if (fresh)
    fresh->open(std::move(next));
  else if (next)
    c->reuse(std::move(next));
  else if (reusable)
    c->watch(generation);
}

void Pool::reopen(ExchangePtr x) {
  {
    std::lock_guard lock(mu);
    if (closed_) {
      --open_;
      return fail_later(std::move(x), {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
    }
  }
  make_connection()->open(std::move(x));
}

bool Pool::still_idle(const Connection& c, std::uint64_t generation) {
  std::lock_guard lock(mu);
  return c.idle && c.generation == generation;
}

void Pool::drop_idle(const std::shared_ptr<Connection>& c, std::uint64_t generation) {
  {
    std::lock_guard lock(mu);
    if (!c->idle || c->generation != generation) return;
    c->idle = false;
    idle_.erase(std::find(idle_.begin(), idle_.end(), c));
    --open_;
  }
  ++stale;
  c->close();
}

void Pool::finish(const ExchangePtr& x, HttpResult result) {
  if (std::holds_alternative<HttpFailure>(result)) ++failures;
  if (x->done) std::exchange(x->done, nullptr)(std::move(result));
}

void Pool::fail_later(ExchangePtr x, HttpFailure failure) {
  net::post(io, [self = shared_from_this(), x = std::move(x), failure = std::move(failure)]() mutable {
    self->finish(x, std::move(failure));
  });
}

void Pool::shutdown() {
  std::vector<std::shared_ptr<Connection>> idle;
  std::deque<ExchangePtr> waiting;
  {
    std::lock_guard lock(mu);
    closed_ = true;
    idle.swap(idle_);
    open_ -= idle.size();
    for (auto& c : idle) c->idle = false;
    waiting.swap(waiting_);
    for (auto& x : waiting) x->queued = false;
  }
  for (auto& c : idle) c->close();
  for (auto& x : waiting) {
    net::post(x->queue_timer->get_executor(), [x] { x->queue_timer->cancel(); });
    fail_later(x, {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
  }
}

}  // namespace

std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

struct HttpClient::Impl {
  std::shared_ptr<Pool> pool;
};

HttpClient::HttpClient(net::io_context& io, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::make_shared<Pool>(io, std::move(options))})) {}

HttpClient::~HttpClient() {
  impl_->pool->shutdown();
}

void HttpClient::request(HttpRequest request, HttpCallback done) {
  auto& pool = *impl_->pool;
  ++pool.requests;
  auto x = std::make_shared<Exchange>();
  x->done = std::move(done);
  x->deadline = Clock::now() + request.timeout.value_or(pool.options.request_timeout);
  auto& m = x->message;
  m.version(11);
  m.method_string(request.method);
  if (request.target.empty() || request.target.front() != '/') request.target.insert(0, "/");
  m.target(pool.origin.prefix + request.target);
  m.set(http::field::host, pool.origin.host_header);
  m.set(http::field::user_agent, "contactd");
  for (const auto& [name, value] : pool.options.default_headers) m.set(name, value);
  for (const auto& [name, value] : request.headers) m.set(name, value);
  m.body() = std::move(request.body);
  m.prepare_payload();
  pool.start(std::move(x));
}

void HttpClient::request(std::string method, std::string target, HttpHeaders headers, std::string body,
                         HttpCallback done) {
  request(HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body), std::nullopt},
          std::move(done));
}

HttpClientStats HttpClient::stats() const {
  const auto& p = *impl_->pool;
  return HttpClientStats{p.requests, p.opened, p.reused, p.stale, p.resent, p.failures};
}

const HttpClientOptions& HttpClient::options() const {
  return impl_->pool->options;
}

std::string check_ca_file(const std::string& path) {
  ssl::context probe(ssl::context::tls_client);
  beast::error_code ec;
  probe.load_verify_file(path, ec);
  return ec ? ec.message() : std::string();
}

}  // namespace contactd::channels
