#pragma once
// Hosts the engine on one strand of an io_context (R-PLAT-1): serialises all
// work on it, journals what it decides, and only after the journal says the
// events are durable publishes them, carries out effects and answers callers.
// One steady_timer is armed for the engine's next deadline; there is no polling.
#include <functional>
#include <memory>

#include "core/engine.h"
#include "host/event_sink.h"
#include "host/journal.h"

namespace boost::asio {
class io_context;
}

namespace contactd::host {

class EngineHost {
 public:
  // Runs on the strand; may change the engine. Must return its Outcome.
  using Work = std::function<core::Outcome(core::Engine&, core::TimePoint now)>;
  // Runs on the strand once the work's events are durable and published.
  using Then = std::function<void(const core::Outcome&)>;

  EngineHost(boost::asio::io_context& io, core::Engine engine, const core::Clock& clock, Journal& journal,
             EventSink& sink);
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  // Arms the deadline timer (deadlines that passed while down fire at once).
  void start();
  // Refuses new client work (unavailable) and cancels the timer.
  void stop();

  // Runs `work` and then `then`, in submission order. When the journal is
  // unavailable or the host is stopping, client work is not run and `then`
  // receives an `unavailable` error at once (system work is still queued).
  void execute(Work work, Then then, bool client_work = true);
  // Runs a read-only lookup on the strand, unordered with respect to durability.
  void lookup(std::function<void(const core::Engine&)> fn);
  // Calls `done` on the strand after everything submitted so far is durable.
  void when_durable(std::function<void()> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::host
