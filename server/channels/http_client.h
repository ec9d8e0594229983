#pragma once
// One HTTP/1.1 client per provider endpoint (a bot, Meta's Graph API,
// Gupshup...): a base URL, default headers, timeouts, a response size limit,
// TLS with certificate verification, and a bounded pool of keep-alive
// connections reused across requests.
//
// Every failure says whether the request may have reached the server:
// - not_sent: the server cannot have seen the whole request (name not
//   resolved, connection refused, TLS handshake failed, connect timeout, the
//   connection failed before the whole request was written, or the request
//   timed out while waiting for a free connection). Sending it again is safe.
// - maybe_sent: the whole request was written, then the answer did not come
//   (timeout, connection lost, response too large or not HTTP). The server
//   may have acted on it: the caller must not resend blindly.
// An idle connection that the server closed is noticed before it is used
// (it is dropped and a new one opened). If a kept-alive connection fails
// (not by the timeout) while the request is written, or closes before any
// byte of the answer (GET, HEAD, OPTIONS only), the request is sent again
// once on a fresh connection.
//
// Streaming: a request body may come from an HttpBodySource (read in chunks
// as it is written, e.g. a file between a multipart head and tail) and a 2xx
// answer's body may go to an HttpBodySink (chunk by chunk, with a cap), so
// neither side holds a whole file. A streamed request that fails before its
// last byte is written is not_sent, as a buffered one.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace contactd::channels {

// Header lines in order, names as sent or received.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` (case-insensitive) in `headers`.
std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name);

struct HttpResponse {
  unsigned status{0};
  HttpHeaders headers;
  std::string body;
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

// Whether a failed request may have reached the server (see the top of this file).
enum class HttpDelivery { not_sent, maybe_sent };

enum class HttpError {
  resolve,             // not_sent: the host name did not resolve
  connect,             // not_sent: refused, unreachable
  connect_timeout,     // not_sent: no connection (TCP, then TLS) within connect_timeout
  tls,                 // not_sent: TLS handshake failed (untrusted certificate, wrong host name...)
  timeout,             // the request's timeout passed: not_sent while waiting for a connection or
                       // writing, maybe_sent after the request was written
  connection_lost,     // not_sent while writing, maybe_sent after the request was written
  response_too_large,  // maybe_sent: body over max_response_body (or headers over 64 KiB)
  bad_response,        // maybe_sent: the answer is not HTTP/1.x
  shut_down,           // not_sent: the client was destroyed first
  body_source,         // not_sent: the request's HttpBodySource failed or ended early (the connection is closed
                       // before the body is complete)
  sink_refused,        // maybe_sent: the request's HttpBodySink refused a chunk (the transfer is aborted)
  forbidden_address,   // not_sent: public_addresses_only, and the host resolved to no public address
};

struct HttpFailure {
  HttpError error{HttpError::connection_lost};
  HttpDelivery delivery{HttpDelivery::maybe_sent};
  std::string detail;  // for logs, e.g. "TLS handshake: certificate verify failed"
};

using HttpResult = std::variant<HttpResponse, HttpFailure>;
using HttpCallback = std::function<void(HttpResult)>;

struct HttpClientOptions {
  // http://host[:port][/prefix] or https://...; request targets are appended to the prefix.
  std::string base_url;
  HttpHeaders default_headers;  // on every request, e.g. {"Authorization", "Bearer ..."}
  std::chrono::milliseconds connect_timeout{5000};    // TCP connect plus TLS handshake
  std::chrono::milliseconds request_timeout{30000};   // from request() to the whole answer
  std::size_t max_response_body{1024 * 1024};
  std::size_t max_connections{4};  // open at once, idle or busy; more requests wait
  // An idle connection is not reused after this long (or after the server's
  // Keep-Alive: timeout=N less a second, if shorter): under Node's 5 s default,
  // so that we do not write into a connection the server is closing. Zero:
  // a new connection for every request.
  std::chrono::milliseconds idle_timeout{4000};
  bool verify_tls{true};  // the certificate must chain to a trusted CA and name the URL's host
  std::string ca_file;    // PEM CAs trusted besides the system store; empty: the system store only
  // R-SEC-5: connect only to public unicast addresses (public_address.h),
  // checked on the resolved addresses themselves, so a name that resolves to
  // a private one (or changes to one) cannot reach inside. For URLs that an
  // unauthenticated party named.
  bool public_addresses_only{false};
};

// A request body produced in chunks while it is written, sent with
// Content-Length: size(). Reads are positional: a request sent again on a
// fresh connection reads again from offset 0. Called on the connection's
// strand (an I/O thread): keep each read short.
class HttpBodySource {
 public:
  virtual ~HttpBodySource() = default;
  virtual std::uint64_t size() const = 0;
  // Copies up to `capacity` bytes starting at `offset` (< size()) into `into`;
  // returns how many (0 means the source ended early), or why it cannot.
  virtual std::variant<std::size_t, std::string> read(std::uint64_t offset, char* into, std::size_t capacity) = 0;
};

// `prefix`, then the whole file at `path` (its size when opened), then
// `suffix`: the multipart shape. The file is opened here and read with pread
// as the request is written; a file that shrinks meanwhile fails the request
// (body_source). Throws std::system_error when the file cannot be opened.
std::shared_ptr<HttpBodySource> file_body_source(std::string prefix, const std::string& path, std::string suffix);

// Where the body of a 2xx answer goes, in order, one chunk (at most 64 KiB)
// at a time, on the connection's strand: the next chunk is read only after
// write() returns. Other answers' bodies stay in HttpResponse::body (up to
// max_response_body) and the sink sees nothing. On success the callback's
// HttpResponse has an empty body.
struct HttpBodySink {
  // A larger body (announced by Content-Length or counted as it arrives)
  // aborts the transfer: response_too_large, and no chunk past the cap is given.
  std::uint64_t max_bytes{0};
  // Returns an error text to abort the transfer (sink_refused).
  std::function<std::optional<std::string>(std::string_view chunk)> write;
};

struct HttpRequest {
  std::string method{"GET"};
  std::string target{"/"};  // path and query; REQUIRES: starts with '/'
  HttpHeaders headers;      // over the client's default headers of the same name
  std::string body;         // sent with Content-Length when non-empty or when the method is POST/PUT/PATCH
  std::optional<std::chrono::milliseconds> timeout;  // instead of the client's request_timeout
  std::shared_ptr<HttpBodySource> body_source;       // instead of `body` when set
  std::shared_ptr<HttpBodySink> sink;                // streams a 2xx answer's body when set
};

struct HttpClientStats {
  std::uint64_t requests{0};            // request() calls
  std::uint64_t connections_opened{0};  // TCP connections attempted
  std::uint64_t connections_reused{0};  // requests sent over a kept-alive connection
  std::uint64_t stale_dropped{0};       // idle connections found closed by the server, dropped unused
  std::uint64_t resent{0};              // requests sent again after a kept-alive connection failed
  std::uint64_t failures{0};            // callbacks with an HttpFailure
};

class HttpClient {
 public:
  // Throws std::invalid_argument when base_url is not an http(s) URL, or when
  // ca_file cannot be loaded (check_ca_file says why).
  HttpClient(boost::asio::io_context& io, HttpClientOptions options);
  // Closes the idle connections; requests waiting for a connection fail with
  // shut_down; requests under way finish (their callbacks still run if `io` runs).
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Thread-safe. `done` runs exactly once, on one of io's threads, never
  // inside this call.
  void request(HttpRequest request, HttpCallback done);
  void request(std::string method, std::string target, HttpHeaders headers, std::string body, HttpCallback done);

  HttpClientStats stats() const;
  const HttpClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Empty when `path` is a PEM file with at least one certificate; else why not.
std::string check_ca_file(const std::string& path);

// A Retry-After value (RFC 9110 10.2.3): delay-seconds, or an HTTP-date (IMF-fixdate,
// RFC 850 or asctime) turned into the wait from `now` (zero if already past).
// nullopt when malformed.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace contactd::channels
