#pragma once
// A bot HTTP endpoint on loopback for the bot tests. It answers by what the
// customer wrote: the start -> a greeting; "agent" -> hand off; "slow" ->
// answers after 2.5 s; "garbage" -> not JSON; anything else -> an echo.
// Built with TestCertificates, it serves https instead of http.
#include <cstdint>
#include <string>

#include "harness/fake_http_server.h"
#include "harness/test_certificates.h"

namespace contactd::test {

class TestBot {
 public:
  TestBot();  // http
  // https with `tls`'s server certificate; `tls` is read here only.
  explicit TestBot(const TestCertificates& tls);
  std::uint16_t port() const { return server_.port(); }
  // "http://127.0.0.1:PORT/bot" or "https://…".
  std::string url() const { return server_.base_url() + "/bot"; }
  // Requests read (over TLS: after a successful handshake).
  int requests() const { return server_.requests(); }

 private:
  FakeHttpServer server_;
};

}  // namespace contactd::test
