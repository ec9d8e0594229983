#pragma once
// A minimal HTTP GET for /healthz and /readyz, and raw HTTP exchanges for
// framing tests.
#include <chrono>
#include <cstdint>
#include <string>

namespace contactd::test {

struct HttpReply {
  int status{0};
  std::string body;
};

HttpReply http_get(std::uint16_t port, const std::string& target);

// What a server answered to raw bytes: everything it sent until it closed
// the connection (or `limit` passed), and the first status line's code.
struct RawHttpExchange {
  int status{0};       // 0: no status line
  std::string text;    // every byte received
  bool closed{false};  // the server closed the connection within the limit
  int responses{0};    // status lines received ("HTTP/1.1 " anywhere: bodies here never hold it)
  bool has_header(const std::string& line) const;  // e.g. "Connection: close" (case-insensitive)
};

// Connects (from `source`, a loopback address), sends `bytes`, then reads
// until the server closes or `limit` passes. No test assertions.
RawHttpExchange raw_http(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(3000),
                         const std::string& source = "127.0.0.1");

}  // namespace contactd::test
