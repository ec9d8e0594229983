#include "host/engine_host.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace contactd::host {

namespace net = boost::asio;

struct EngineHost::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io, core::Engine e, const core::Clock& c, Journal& j, EventSink& s)
      : strand(net::make_strand(io)), timer(strand), engine(std::move(e)), clock(c), journal(j), sink(s) {}

  net::strand<net::io_context::executor_type> strand;
  net::steady_timer timer;
  core::Engine engine;
  const core::Clock& clock;
  Journal& journal;
  EventSink& sink;
  bool stopping{false};
  std::optional<core::TimePoint> armed;

  // On the strand: journal the outcome, then publish, apply and answer.
  void commit(core::Outcome outcome, Then then) {
    auto shared = std::make_shared<core::Outcome>(std::move(outcome));
    std::vector<core::Event> events = shared->events;  // the journal keeps its own copy
    journal.append(std::move(events), [self = shared_from_this(), shared, then = std::move(then)](bool stored) mutable {
      net::post(self->strand, [self, shared, stored, then = std::move(then)] {
        if (!stored) {
          // Not durable, so never published, carried out or acknowledged. The
          // engine's memory still holds the change until the next restart
          // reloads it from the database (text that PostgreSQL cannot store is
          // refused before the engine by core/text.h; this is the backstop).
          if (then) then(core::Outcome::failure(core::ErrorCode::invalid_argument,
                                                "the database refused to store this change; nothing was done"));
          return;
        }
        if (!shared->events.empty()) self->sink.publish(shared->events);
        for (const auto& effect : shared->effects) self->sink.apply(effect);
        if (then) then(*shared);
      });
    });
    rearm();
  }

  void rearm() {
    if (stopping) return;
    auto next = engine.next_deadline();
    if (next == armed) return;
    armed = next;
    if (!next) {
      timer.cancel();
      return;
    }
    auto delay = *next - clock.now();
    timer.expires_after(delay.count() > 0 ? std::chrono::milliseconds(delay) : std::chrono::milliseconds(0));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      self->armed.reset();
      if (self->stopping) return;
      self->commit(self->engine.tick(self->clock.now()), nullptr);
    });
  }
};

EngineHost::EngineHost(net::io_context& io, core::Engine engine, const core::Clock& clock, Journal& journal,
                       EventSink& sink)
    : impl_(std::make_shared<Impl>(io, std::move(engine), clock, journal, sink)) {}

EngineHost::~EngineHost() = default;

void EngineHost::start() {
  net::post(impl_->strand, [impl = impl_] { impl->rearm(); });
}

void EngineHost::stop() {
  net::post(impl_->strand, [impl = impl_] {
    impl->stopping = true;
    impl->timer.cancel();
  });
}

void EngineHost::execute(Work work, Then then, bool client_work) {
  net::post(impl_->strand, [impl = impl_, work = std::move(work), then = std::move(then), client_work]() mutable {
    if (client_work && (impl->stopping || !impl->journal.available())) {
      if (then)
        then(core::Outcome::failure(core::ErrorCode::unavailable,
                                    impl->stopping ? "server is shutting down" : "database unavailable; try again"));
      return;
    }
    impl->commit(work(impl->engine, impl->clock.now()), std::move(then));
  });
}

void EngineHost::lookup(std::function<void(const core::Engine&)> fn) {
  net::post(impl_->strand, [impl = impl_, fn = std::move(fn)] { fn(impl->engine); });
}

void EngineHost::when_durable(std::function<void()> done) {
  net::post(impl_->strand, [impl = impl_, done = std::move(done)]() mutable {
    impl->commit(core::Outcome{}, [done = std::move(done)](const core::Outcome&) { done(); });
  });
}

}  // namespace contactd::host
