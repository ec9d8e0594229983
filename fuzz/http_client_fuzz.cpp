// Fuzz target: what a provider answers, as channels::HttpClient reads it
// (channels/http_client.h), buffered or streamed to an HttpBodySink. A
// loopback server takes the client's GET and writes the input as the answer,
// then closes. Checked: the callback runs once with a response or a typed
// failure; a sink never gets more than its cap, and a response that went to
// the sink keeps no body; a buffered body is within max_response_body.
//
// Input: byte 0 — bit 0: stream to a sink; bits 1-2: the cap (sink) or
// max_response_body (buffered) among 0, 16, 1000, 65536 bytes. The rest: the
// bytes the server sends.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "channels/http_client.h"

using namespace contactd::channels;

namespace {

struct Loopback {
  int listener{-1};
  std::uint16_t port{0};
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread loop{[this] { io.run(); }};

  Loopback() {
    listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener, 8) != 0) std::abort();
    socklen_t len = sizeof a;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
};

Loopback& loopback() {
  static Loopback* l = new Loopback;  // never destroyed: the io thread runs for the process
  return *l;
}

// Accepts the client's connection, reads its request head, sends `answer`, closes.
void serve_once(int listener, std::string answer) {
  const int c = ::accept(listener, nullptr, nullptr);
  if (c < 0) return;
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t at = 0;
  while (at < answer.size()) {
    const ssize_t n = ::send(c, answer.data() + at, answer.size() - at, MSG_NOSIGNAL);
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
  ::shutdown(c, SHUT_WR);
  while (::recv(c, buf, sizeof buf, 0) > 0) {
  }
  ::close(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr std::uint64_t kLimits[] = {0, 16, 1000, 65536};
  const bool streamed = data[0] & 1;
  const std::uint64_t limit = kLimits[(data[0] >> 1) & 3];
  Loopback& l = loopback();
  std::thread server(serve_once, l.listener, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));

  HttpClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(l.port);
  options.idle_timeout = std::chrono::milliseconds(0);  // one connection per input
  options.request_timeout = std::chrono::seconds(5);
  options.max_response_body = streamed ? 1000 : limit;
  std::uint64_t given = 0;
  HttpRequest request;
  request.target = "/media";
  if (streamed)
    request.sink = std::make_shared<HttpBodySink>(HttpBodySink{limit, [&given](std::string_view chunk) {
                                                                 given += chunk.size();
                                                                 return std::optional<std::string>();
                                                               }});
  std::promise<HttpResult> done;
  {
    HttpClient client(l.io, options);
    client.request(std::move(request), [&done](HttpResult r) { done.set_value(std::move(r)); });
    auto result = done.get_future().get();  // a second callback would throw: set twice
    if (given > limit) std::abort();
    if (const auto* response = std::get_if<HttpResponse>(&result)) {
      const bool to_sink = streamed && response->status >= 200 && response->status < 300;
      if (to_sink && !response->body.empty()) std::abort();
      if (!to_sink && given != 0) std::abort();
      if (response->body.size() > options.max_response_body) std::abort();
    } else {
      const auto& failure = std::get<HttpFailure>(result);
      if (failure.error == HttpError::shut_down || failure.error == HttpError::body_source) std::abort();
    }
  }
  server.join();
  return 0;
}
