#pragma once
// Shared by the engine's translation units only.
#include <algorithm>
#include <string_view>

#include "core/engine.h"

namespace contactd::core {

// Collects what one command decides. Handlers validate first and only then
// mutate state and emit, so an error never leaves partial changes behind.
struct Engine::Pending {
  TimePoint now;
  EventSeq* last_seq;
  Outcome* out;

  void emit(Audience audience, EventBody body) {
    out->events.push_back(Event{++*last_seq, now, std::move(audience), std::move(body)});
  }
  void effect(Effect e) { out->effects.push_back(std::move(e)); }
};

inline Error error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// A human-facing name: 1..200 bytes, not blank, no control characters.
MaybeError check_name(std::string_view what, std::string_view value);

}  // namespace contactd::core
