// One connection of an HttpClient's pool (http_pool.h): resolve, connect,
// TLS handshake with the host name check, then requests one at a time; while
// idle, a wait for the server's close.
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <optional>

#include "channels/http_pool.h"

namespace contactd::channels::http_detail {
namespace {

using tcp = net::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

}  // namespace

std::shared_ptr<Connection> open_connection(std::shared_ptr<Pool> pool) {
  if (pool->tls) return std::make_shared<Link<TlsStream>>(std::move(pool));
  return std::make_shared<Link<PlainStream>>(std::move(pool));
}

}  // namespace contactd::channels::http_detail
