#pragma once
// The benchmark's media: two UDP sockets on 127.0.0.1 and one thread.
//   customer socket: every customer call's SDP offer points here; from the
//     200 OK on, each call sends a PCMU frame every 20 ms (as a phone does)
//     to the port the answer named, carrying the call's serial in its
//     payload; what comes back (queue music) is counted and dropped. Once the
//     call's agent phone has rung (hurry()), the call sends every few ms until
//     the bridge is proven: the setup's end is then seen within that, not
//     within 20 ms, and only calls about to be bridged pay for it.
//   agent socket: every agent phone's SDP answer points here; a frame
//     carrying a serial proves that call's bridge: the setup is complete.
// Payloads are relayed unchanged when both legs use the same codec, which
// they do here (PCMU only is offered by the customers, and picked by the
// agent phones), so the serial survives contactd's relay.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "call/tracker.h"

namespace contactd::bench::call {

class RtpPath {
 public:
  // `on_complete(serial)` runs on the RTP thread when a call's bridge is
  // proven (once per call).
  RtpPath(Tracker& tracker, std::function<void(std::uint64_t)> on_complete, std::chrono::milliseconds interval,
          std::chrono::milliseconds hurried_interval);
  ~RtpPath();  // shutdown()
  RtpPath(const RtpPath&) = delete;
  RtpPath& operator=(const RtpPath&) = delete;

  std::uint16_t customer_port() const { return customer_port_; }
  std::uint16_t agent_port() const { return agent_port_; }

  // From the 200 OK on: sends the first frame now (any thread), then one
  // every interval until stop().
  void start(std::uint64_t serial, std::uint16_t to_port);
  // The call's agent phone rang (any thread; before or after start()): send
  // every hurried interval from now on.
  void hurry(std::uint64_t serial);
  void stop(std::uint64_t serial);
  // Stops the thread (no more on_complete calls); start/stop stay safe to
  // call. Idempotent.
  void shutdown();

  std::uint64_t music_packets() const { return music_.load(); }     // received on the customer socket
  std::uint64_t stray_packets() const { return stray_.load(); }     // at the agent socket, not a live call's
  std::uint64_t sent_packets() const { return sent_.load(); }
  int thread_id() const { return tid_.load(); }

 private:
  struct Sender {
    std::uint16_t port;
    std::uint16_t seq;
    std::uint32_t ts;
    Clock::time_point next;
    bool hurried{false};
  };
  void run();
  void send(std::uint64_t serial, Sender& s);

  Tracker& tracker_;
  std::function<void(std::uint64_t)> on_complete_;
  std::chrono::milliseconds interval_, hurried_interval_;
  int customer_fd_{-1}, agent_fd_{-1}, wake_fd_{-1};
  std::uint16_t customer_port_{0}, agent_port_{0};
  std::mutex mu_;
  std::unordered_map<std::uint64_t, Sender> senders_;
  std::unordered_map<std::uint64_t, bool> rang_early_;  // hurried before start()
  std::atomic<bool> stopping_{false};
  std::atomic<int> tid_{0};
  std::atomic<std::uint64_t> music_{0}, stray_{0}, sent_{0};
  std::thread thread_;
};

}  // namespace contactd::bench::call
