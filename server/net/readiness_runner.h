#pragma once
// Runs the readiness probe on a thread of its own, so that /readyz never
// waits behind other blocking work (password hashing on the worker pool).
// Requests that arrive while a probe runs are answered together by the next
// probe: each answer reflects a probe started after its request arrived, and
// at most one probe runs at a time however many requests come in.
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace contactd::net {

struct Readiness {
  bool ready{false};
  std::string detail;  // JSON object
};
// Blocking; run on a thread of the server's own, never behind other work.
using ReadinessProbe = std::function<Readiness()>;

class ReadinessRunner {
 public:
  explicit ReadinessRunner(ReadinessProbe probe);
  ~ReadinessRunner();  // waits for a running probe; pending requests are dropped
  ReadinessRunner(const ReadinessRunner&) = delete;
  ReadinessRunner& operator=(const ReadinessRunner&) = delete;

  // Calls `done` on the runner's thread with the result of a probe started
  // after this call.
  void request(std::function<void(const Readiness&)> done);

 private:
  struct Shared;  // owned jointly with the thread, which may outlive this object
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace contactd::net
