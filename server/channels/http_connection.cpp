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
#include <vector>

#include "channels/http_pool.h"
#include "channels/public_address.h"

namespace contactd::channels::http_detail {
namespace {

using tcp = net::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kChunkBytes = 64 * 1024;  // one read of a body source, one chunk to a sink

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

// The status and header lines of `response`.
template <class Body>
HttpResponse head_of(const http::response<Body>& response) {
  HttpResponse out;
  out.status = response.result_int();
  for (const auto& field : response)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
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
          std::vector<tcp::endpoint> endpoints;
          for (const auto& entry : found)
            if (!self->pool_->options.public_addresses_only ||
                is_public_unicast(entry.endpoint().address().to_string()))
              endpoints.push_back(entry.endpoint());
          if (endpoints.empty())
            return self->fail(HttpError::forbidden_address, HttpDelivery::not_sent,
                              "connect: " + self->pool_->origin.address +
                                  " resolves to no public address (loopback, private and link-local ones are refused)");
          auto& lowest = beast::get_lowest_layer(self->stream_);
          lowest.expires_at(deadline);
          lowest.async_connect(endpoints, [self](beast::error_code ec2, const tcp::endpoint&) {
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
    if (x_->source) return send_streamed();
    http::async_write(stream_, x_->message, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->write_failed(ec);
      self->read();
    });
  }

  // Not all of the request reached the kernel: the server cannot act on it.
  void write_failed(const beast::error_code& ec) {
    if (reused_ && !x_->resent && ec != beast::error::timeout) return resend();
    fail(ec == beast::error::timeout ? HttpError::timeout : HttpError::connection_lost, HttpDelivery::not_sent,
         "write: " + ec.message());
  }

  // The header (its Content-Length the source's size), then the source's
  // bytes one chunk at a time: only one chunk is in memory.
  void send_streamed() {
    serializer_.emplace(x_->message);
    written_ = 0;
    if (!chunk_) chunk_ = std::make_unique<char[]>(kChunkBytes);
    http::async_write_header(stream_, *serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->serializer_.reset();
                               if (ec) return self->write_failed(ec);
                               self->write_body_chunk();
                             });
  }

  void write_body_chunk() {
    const std::uint64_t total = x_->source->size();
    if (written_ == total) return read();
    const auto capacity = static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, total - written_));
    auto got = x_->source->read(written_, chunk_.get(), capacity);
    if (auto* why = std::get_if<std::string>(&got))
      return fail(HttpError::body_source, HttpDelivery::not_sent, "request body: " + *why);
    const std::size_t n = std::min(std::get<std::size_t>(got), capacity);
    if (n == 0)
      return fail(
          HttpError::body_source, HttpDelivery::not_sent,
          "request body: the source ended at byte " + std::to_string(written_) + " of " + std::to_string(total));
    net::async_write(stream_, net::buffer(chunk_.get(), n),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t sent) {
                       if (ec) return self->write_failed(ec);
                       self->written_ += sent;
                       self->write_body_chunk();
                     });
  }

  void read() {
    if (x_->sink) return read_streamed();
    parser_.emplace();
    parser_->body_limit(pool_->options.max_response_body);
    parser_->header_limit(kMaxHeaderBytes);
    if (x_->message.method() == http::verb::head) parser_->skip(true);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) return self->succeed();
      self->read_failed(ec, self->parser_->got_some(), self->pool_->options.max_response_body);
    });
  }

  void read_failed(const beast::error_code& ec, bool got_some, std::uint64_t limit) {
    // A kept-alive connection closed before any byte of the answer: most
    // likely the server closed it as we wrote. Only safe methods go again.
    const bool nothing = !got_some && buffer_.size() == 0;
    if (nothing && reused_ && !x_->resent && ec != beast::error::timeout && is_safe_method(x_->message.method()))
      return resend();
    std::string detail = "read: " + ec.message();
    if (ec == http::error::body_limit) detail = "response body over " + std::to_string(limit) + " bytes";
    fail(read_error(ec), HttpDelivery::maybe_sent, detail);
  }

  // The header, then the body one chunk at a time: to the sink for a 2xx
  // answer, else into the response's body (up to max_response_body).
  void read_streamed() {
    stream_parser_.emplace();
    // The limit (the sink's or max_response_body, by status) is checked here, not by Beast: a
    // chunked body is then cut where it crosses the limit, not at the first large chunk's size.
    stream_parser_->body_limit(boost::none);
    stream_parser_->header_limit(kMaxHeaderBytes);
    if (x_->message.method() == http::verb::head) stream_parser_->skip(true);
    if (!chunk_) chunk_ = std::make_unique<char[]>(kChunkBytes);
    streamed_ = 0;
    kept_body_.clear();
    http::async_read_header(
        stream_, buffer_, *stream_parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          auto& p = *self->stream_parser_;
          if (ec) return self->read_failed(ec, p.got_some(), 0);
          const unsigned status = p.get().result_int();
          self->to_sink_ = status >= 200 && status < 300;
          const std::uint64_t limit = self->stream_limit();
          if (p.content_length() && *p.content_length() > limit)
            return self->fail(
                HttpError::response_too_large, HttpDelivery::maybe_sent,
                "response body of " + std::to_string(*p.content_length()) + " bytes, over " + std::to_string(limit));
          self->read_body_chunk();
        });
  }

  std::uint64_t stream_limit() const { return to_sink_ ? x_->sink->max_bytes : pool_->options.max_response_body; }

  void read_body_chunk() {
    if (stream_parser_->is_done()) return succeed_streamed();
    auto& body = stream_parser_->get().body();
    body.data = chunk_.get();
    body.size = kChunkBytes;
    http::async_read(
        stream_, buffer_, *stream_parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec == http::error::need_buffer) ec = {};
          if (ec) return self->read_failed(ec, true, self->stream_limit());
          const std::size_t n = kChunkBytes - self->stream_parser_->get().body().size;
          if (self->streamed_ + n > self->stream_limit())
            return self->fail(HttpError::response_too_large, HttpDelivery::maybe_sent,
                              "response body over " + std::to_string(self->stream_limit()) + " bytes");
          self->streamed_ += n;
          const std::string_view chunk(self->chunk_.get(), n);
          if (!self->to_sink_) {
            self->kept_body_.append(chunk);
          } else if (n > 0) {
            if (auto refused = self->x_->sink->write(chunk))
              return self->fail(HttpError::sink_refused, HttpDelivery::maybe_sent, "response body: " + *refused);
          }
          self->read_body_chunk();
        });
  }

  void succeed_streamed() {
    HttpResponse out = head_of(stream_parser_->get());
    out.body = std::exchange(kept_body_, {});
    const bool keep_alive = stream_parser_->keep_alive();
    stream_parser_.reset();
    done(std::move(out), keep_alive);
  }

  void resend() {
    ++pool_->resent;
    x_->resent = true;
    close_now();
    pool_->reopen(std::exchange(x_, nullptr));
  }

  void succeed() {
    HttpResponse out = head_of(parser_->get());
    out.body = std::move(parser_->get().body());
    const bool keep_alive = parser_->keep_alive();
    parser_.reset();
    done(std::move(out), keep_alive);
  }

  void done(HttpResponse out, bool keep_alive) {
    auto keep_for = pool_->options.idle_timeout;
    if (auto announced = find_header(out.headers, "Keep-Alive"))
      if (auto limit = announced_keep_alive(*announced)) keep_for = std::min(keep_for, *limit);
    const bool reusable = keep_alive && buffer_.size() == 0 && keep_for.count() > 0;
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
  // Streamed exchanges: the request's header, one chunk of either body, the
  // answer read in pieces.
  std::optional<http::request_serializer<http::string_body>> serializer_;
  std::unique_ptr<char[]> chunk_;
  std::uint64_t written_{0};  // of the source's bytes
  std::optional<http::response_parser<http::buffer_body>> stream_parser_;
  bool to_sink_{false};
  std::uint64_t streamed_{0};  // body bytes received
  std::string kept_body_;      // a non-2xx answer's body
  ExchangePtr x_;  // the request under way
  bool reused_{false};
};

}  // namespace

std::shared_ptr<Connection> open_connection(std::shared_ptr<Pool> pool) {
  if (pool->tls) return std::make_shared<Link<TlsStream>>(std::move(pool));
  return std::make_shared<Link<PlainStream>>(std::move(pool));
}

}  // namespace contactd::channels::http_detail
