#pragma once
// A scripted HTTP/1.1 server on loopback for the fake providers and the HTTP
// client tests: keep-alive, optional TLS (TestCertificates), and a handler
// that decides each answer: respond (and keep the connection or close it),
// hang (never answer), or drop the connection after reading the request.
// The handler runs on the server's own thread, one request at a time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactd::test {

class TestCertificates;

using FakeHeaders = std::vector<std::pair<std::string, std::string>>;

struct FakeRequest {
  std::string method;  // "POST"
  std::string target;  // path and query, as sent
  FakeHeaders headers;
  std::string body;
  std::string header(std::string_view name) const;  // "" when absent; case-insensitive
  std::string path() const;                         // the target without its query
};

struct FakeReply {
  enum class Kind { respond, hang, drop };
  Kind kind{Kind::respond};
  unsigned status{200};
  FakeHeaders headers;
  std::string body;
  // Instead of `body` when set: sent from here, not copied (large files).
  std::shared_ptr<const std::string> shared_body;
  bool chunked{false};  // Transfer-Encoding: chunked, no Content-Length
  bool close{false};  // answer with Connection: close, then close
  std::chrono::milliseconds delay{0};  // answer this much later (the server goes on serving others)

  static FakeReply json(unsigned status, std::string body);
  static FakeReply hang() { return FakeReply{Kind::hang}; }
  static FakeReply drop() { return FakeReply{Kind::drop}; }
};

using FakeHandler = std::function<FakeReply(const FakeRequest&)>;

class FakeHttpServer {
 public:
  explicit FakeHttpServer(FakeHandler handler);                        // http
  FakeHttpServer(FakeHandler handler, const TestCertificates& tls);  // https; `tls` is read here only
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT" or "https://..."
  int connections() const { return connections_.load(); }  // accepted (TLS: handshake done)
  int requests() const { return requests_.load(); }        // read
  // Closes every connection waiting for its next request, as a server's
  // keep-alive timeout does (a FIN, no answer). Returns how many it closed.
  int close_idle_connections();

 private:
  void start();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_{0};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

}  // namespace contactd::test
