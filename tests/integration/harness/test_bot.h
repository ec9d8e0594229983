#pragma once
// A bot HTTP endpoint on loopback for the bot tests. It answers by what the
// customer wrote: the start -> a greeting; "agent" -> hand off; "slow" ->
// answers after 2.5 s; "garbage" -> not JSON; anything else -> an echo.
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace contactd::test {

class TestBot {
 public:
  TestBot();
  ~TestBot();
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_{0};
  std::atomic<int> requests_{0};
};

}  // namespace contactd::test
