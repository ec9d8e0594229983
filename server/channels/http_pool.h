#pragma once
// The insides of HttpClient (http_client.h), shared by http_client.cpp (the
// pool: which request goes over which connection) and http_connection.cpp
// (one connection: connect, TLS, write, read, stale checks). Not for use
// elsewhere: it brings in Beast.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "channels/http_client.h"

namespace contactd::channels::http_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using Clock = std::chrono::steady_clock;

// Where the base URL points.
struct Origin {
  bool tls{false};
  std::string host_header;  // host[:port] as written
  std::string address;      // for resolution, SNI and the certificate's name check
  std::string port;
  std::string prefix;  // the base path, without a trailing '/'
};

// One request, from request() to its callback (several connections, if resent).
struct Exchange {
  http::request<http::string_body> message;  // body empty when `source` is set
  std::shared_ptr<HttpBodySource> source;
  std::shared_ptr<HttpBodySink> sink;
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

// A new connection (not yet connected) of `pool`, plain or TLS as its origin says.
std::shared_ptr<Connection> open_connection(std::shared_ptr<Pool> pool);

// The connections of one HttpClient and the requests waiting for one. Every
// connection holds it; HttpClient's destructor breaks the cycle with the idle
// ones (shut_down).
class Pool : public std::enable_shared_from_this<Pool> {
 public:
  // Throws std::invalid_argument (see HttpClient's constructor).
  Pool(net::io_context& io, HttpClientOptions options);

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
  std::shared_ptr<Connection> make_connection() { return open_connection(shared_from_this()); }
  ExchangePtr pop_waiter();  // REQUIRES: mu held, waiting not empty
  void give_up_waiting(const ExchangePtr& x);

  std::mutex mu;
  std::vector<std::shared_ptr<Connection>> idle_;  // most recently used last
  std::size_t open_{0};                            // idle, busy or connecting
  std::deque<ExchangePtr> waiting_;
  bool closed_{false};
};

}  // namespace contactd::channels::http_detail
