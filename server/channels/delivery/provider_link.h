#pragma once
// What a provider adapter does for the outbox sender: send one message to a
// customer and say how it went. Implemented per provider (Meta Cloud API,
// Gupshup, ...) on the shared HTTP client; the sender owns retries, the
// outbox rows and the reports to the engine.
#include <chrono>
#include <functional>
#include <string>

#include "core/effects.h"

namespace contactd::channels {

struct SendResult {
  enum class Kind {
    accepted,   // the provider took it: provider_message_id names it
    retryable,  // not taken, safe to send again (connection refused, 429, 503...)
    permanent,  // refused for good (error_code, error_text: the provider's)
    unknown,    // the request may have been acted on (timeout after sending, 500...): never resent blindly
  };
  Kind kind{Kind::unknown};
  std::string provider_message_id;
  std::string error_code;
  std::string error_text;
  std::chrono::milliseconds retry_after{0};
};

class ProviderLink {
 public:
  virtual ~ProviderLink() = default;
  // Sends `delivery` (its outbox id is delivery.message.message). `done` runs
  // exactly once, on any thread.
  virtual void send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) = 0;
};

}  // namespace contactd::channels
