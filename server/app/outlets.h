#pragma once
// Where the engine host's durable events and effects go: the client streams
// first, then every channel adapter, in the order they were added.
#include <vector>

#include "api/streams.h"
#include "host/event_sink.h"

namespace contactd::app {

class Outlets final : public host::EventSink {
 public:
  explicit Outlets(api::StreamRegistry& streams) : streams_(streams) {}

  // REQUIRES: before the host starts (adapters are built with the host).
  void add(host::EventSink& adapter) { adapters_.push_back(&adapter); }

  void publish(const std::vector<core::Event>& events) override {
    streams_.publish(events);
    for (auto* a : adapters_) a->publish(events);
  }
  void apply(const core::Effect& effect) override {
    streams_.apply(effect);
    for (auto* a : adapters_) a->apply(effect);
  }

 private:
  api::StreamRegistry& streams_;
  std::vector<host::EventSink*> adapters_;
};

}  // namespace contactd::app
