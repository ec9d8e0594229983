#pragma once
// Receives what the engine decided, once it is durable. Called on the engine strand.
#include <vector>

#include "core/effects.h"
#include "core/events.h"

namespace contactd::host {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void publish(const std::vector<core::Event>& events) = 0;
  virtual void apply(const core::Effect& effect) = 0;
};

}  // namespace contactd::host
