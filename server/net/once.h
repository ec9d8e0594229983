#pragma once
// A callback that runs at most once, from whichever thread calls it first;
// when the last owner lets go without calling it, it runs with a fallback
// value instead. What Responder, StreamDecision and ChunkAck share with the
// connection that waits for them.
#include <atomic>
#include <functional>
#include <utility>

namespace contactd::net {

template <class T>
class Once {
 public:
  Once(std::function<void(T)> deliver, std::function<T()> fallback)
      : deliver_(std::move(deliver)), fallback_(std::move(fallback)) {}
  ~Once() {
    if (!done_.exchange(true)) deliver_(fallback_());
  }
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;

  // False (and nothing happens) when it has run already.
  bool operator()(T value) {
    if (done_.exchange(true)) return false;
    deliver_(std::move(value));
    return true;
  }

 private:
  std::atomic<bool> done_{false};
  std::function<void(T)> deliver_;
  std::function<T()> fallback_;
};

}  // namespace contactd::net
