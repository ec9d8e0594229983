#include "net/readiness_runner.h"

#include <condition_variable>
#include <mutex>
#include <vector>

namespace contactd::net {

struct ReadinessRunner::Shared {
  explicit Shared(ReadinessProbe p) : probe(std::move(p)) {}
  const ReadinessProbe probe;
  std::mutex mu;
  std::condition_variable wake;
  std::vector<std::function<void(const Readiness&)>> waiting;
  bool stopping{false};

  void loop() {
    for (;;) {
      std::vector<std::function<void(const Readiness&)>> batch;
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [this] { return stopping || !waiting.empty(); });
        if (stopping) return;
        batch.swap(waiting);
      }
      Readiness result;
      try {
        result = probe();
      } catch (const std::exception&) {
        result = Readiness{false, R"({"ready":false,"error":"probe failed"})"};
      }
      for (auto& done : batch) done(result);
    }
  }
};

ReadinessRunner::ReadinessRunner(ReadinessProbe probe)
    : shared_(std::make_shared<Shared>(std::move(probe))), thread_([shared = shared_] { shared->loop(); }) {
}

ReadinessRunner::~ReadinessRunner() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->wake.notify_all();
  // The last owner may let go from a callback running on the runner's thread.
  if (thread_.get_id() == std::this_thread::get_id())
    thread_.detach();
  else
    thread_.join();
}

void ReadinessRunner::request(std::function<void(const Readiness&)> done) {
  {
    std::lock_guard lock(shared_->mu);
    shared_->waiting.push_back(std::move(done));
  }
  shared_->wake.notify_one();
}

}  // namespace contactd::net
