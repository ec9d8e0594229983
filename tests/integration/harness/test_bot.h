#pragma once
// A bot HTTP endpoint on loopback for the bot tests. It answers by what the
// customer wrote: the start -> a greeting; "agent" -> hand off; "slow" ->
// answers after 2.5 s; "garbage" -> not JSON; anything else -> an echo.
// Built with TestCertificates, it serves https instead of http.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/test_certificates.h"

namespace contactd::test {

class TestBot {
 public:
  TestBot();  // http
  // https with `tls`'s server certificate; `tls` is read here only.
  explicit TestBot(const TestCertificates& tls);
  ~TestBot();
  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/bot" or "https://…".
  std::string url() const;
  // Requests read (over TLS: after a successful handshake).
  int requests() const { return requests_.load(); }

 private:
  void start();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_{0};
  std::atomic<int> requests_{0};
};

}  // namespace contactd::test
