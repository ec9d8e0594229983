#pragma once
// What happened to every call the benchmark placed, written by the threads
// that see it (the customers' SIP stack, the agents' SIP stack, the RTP
// thread) and read by the main thread. One mutex: a few thousand updates a
// second at most.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace contactd::bench::call {

using Clock = std::chrono::steady_clock;

struct CallRecord {
  Clock::time_point scheduled;  // when the open loop wanted it placed
  Clock::time_point invited;    // INVITE handed to the stack
  std::optional<Clock::time_point> answered;  // the customer's 200 OK
  std::optional<Clock::time_point> rang;      // the agent's phone got its INVITE
  std::optional<Clock::time_point> bridged;   // customer audio reached the agent's RTP socket
  std::string failure;  // why it did not complete ("" while going or completed)
  bool hung_up{false};  // the customer's dialog is over (terminated)
};

class Tracker {
 public:
  // A new call, about to be placed; its serial.
  std::uint64_t add(Clock::time_point scheduled);
  void invited(std::uint64_t serial, Clock::time_point at);
  // The customer's 200 OK. False if the call already failed (timed out).
  bool answered(std::uint64_t serial, Clock::time_point at);
  void rang(std::uint64_t serial, Clock::time_point at);
  // Customer audio seen at the agent side. True the first time, for a call
  // that has not failed: the setup is complete.
  bool bridged(std::uint64_t serial, Clock::time_point at);
  // The call did not complete, for this reason (kept if the first).
  void failed(std::uint64_t serial, const std::string& why);
  void hung_up(std::uint64_t serial);

  // Calls from serial `from` on, placed before `now - limit`, that neither
  // completed nor failed: marked failed with a reason saying how far they
  // got; their serials.
  std::vector<std::uint64_t> expire(std::uint64_t from, Clock::time_point now, Clock::duration limit);
  // Every call in [from, to) completed or failed, and its customer dialog ended.
  bool settled(std::uint64_t from, std::uint64_t to);
  // Copies of the records [from, to).
  std::vector<CallRecord> records(std::uint64_t from, std::uint64_t to);
  std::uint64_t next_serial();

 private:
  std::mutex mu_;
  std::uint64_t next_{1};
  std::unordered_map<std::uint64_t, CallRecord> calls_;
};

}  // namespace contactd::bench::call
