#pragma once
// The load generator's measurements, run one after another against one
// contactd (and the fan-out baseline). Single-threaded: every connection
// shares one io_context driven by the calling thread.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "directory.h"

namespace contactd::bench {

struct SessionsResult {
  std::size_t held{0};
  std::size_t failed{0};
  double logins_per_second{0};
  double bytes_per_session{0};  // server RSS growth / sessions held
};

struct LatencyResult {
  double offered_per_second{0};
  double achieved_per_second{0};  // conversations completed in the window / window
  std::size_t samples{0};
  double message_p50_ms{0}, message_p99_ms{0}, message_max_ms{0};  // customer message -> agent's event
  double assign_p50_ms{0}, assign_p99_ms{0};                        // customer "start" -> agent's assignment
  double server_cpu{0};     // contactd's CPU use in the window, in cores
  double generator_cpu{0};  // this process's
  std::size_t starved{0};  // starts skipped because every simulated customer was busy
  std::size_t errors{0};
};

struct FanoutResult {
  double frames_per_second{0};      // delivered to all subscribers, summed
  double server_cpu_us_per_frame{0};
  double mean_frame_bytes{0};
  std::size_t commands{0};          // publisher commands (contactd) or frames (baseline) sent
  std::size_t disconnected{0};      // subscribers the server dropped
  std::size_t errors{0};
};

struct FanoutShape {
  std::size_t subscribers{100};
  std::size_t publishers{10};
  std::size_t window{512};  // published but not yet seen by subscriber 0
  std::chrono::seconds warmup{1};
  std::chrono::seconds duration{5};
};

class LoadGenerator {
 public:
  LoadGenerator(std::uint16_t port, pid_t pid, Directory directory);
  ~LoadGenerator();

  // Logs in `n` idle agents (agent0...) and keeps them connected.
  SessionsResult hold_sessions(std::size_t n, std::size_t window);
  // `workers` agents take WebChat conversations that `customers` simulated
  // visitors start at `rate` per second: start, one message, the agent
  // finishes and closes, the visitor starts again on the same connection.
  LatencyResult webchat_latency(double rate, std::chrono::seconds warmup, std::chrono::seconds duration,
                                std::size_t customers, std::size_t workers);
  // Administrators subscribe; publishers set and clear a status as fast as
  // the window allows; each change is one event to every subscriber.
  FanoutResult fanout(const FanoutShape& shape);
  // The same shape against the bare Beast server on `port`, with frames of
  // `frame_bytes`.
  FanoutResult fanout_baseline(std::uint16_t port, pid_t pid, const FanoutShape& shape, std::size_t frame_bytes);
  // Closes every connection this generator opened.
  void close_all();

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace contactd::bench
