#pragma once
// Carries DeliverMessage effects for provider channels out of the process,
// through the outbox (store/outbox.h): the row was written with the message;
// the sender claims it (in_flight) right before the request leaves, and then
// - accepted:  the row is 'sent' with the provider's id; the engine hears "sent";
// - permanent: the row and the message are 'failed' with the provider's reason (R-MSG-5);
// - retryable: the row goes back to 'pending' and is claimed again after the
//   retry policy's delay (Retry-After honoured); out of attempts: failed;
// - unknown:   the row is 'unknown' and is not sent again; the provider's
//   status callbacks settle it (confirmed()), or after `reconcile_after` it is
//   failed with "delivery unknown" so that the agent can send it again.
// After a restart, pending rows are sent again (their request never left) when
// their next attempt is due, counting the attempts made before the restart
// against the retry policy's bound; rows that were in flight wait as unknown.
//
// Thread: apply() on the engine strand; everything else on the sender's own
// strand. Providers' answers may come on any thread.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "channels/delivery/provider_link.h"
#include "channels/delivery/retry_policy.h"
#include "core/time.h"
#include "host/engine_host.h"
#include "host/event_sink.h"
#include "store/outbox.h"

namespace boost::asio {
class io_context;
}

namespace contactd::channels {

struct OutboxSenderOptions {
  RetryPolicy retry;
  std::chrono::milliseconds reconcile_after{std::chrono::minutes(10)};
  std::size_t claim_batch{256};  // rows claimed per outbox transaction at most
};

class OutboxSender final : public host::EventSink {
 public:
  // What happened to a message, for the engine (ReportMessageStatus).
  struct Report {
    core::InteractionId interaction{};
    core::MessageId message{};
    bool sent{false};  // false: failed
    std::string provider_message_id;
    std::string error_code;
    std::string error_text;
  };
  using Reporter = std::function<void(Report)>;

  OutboxSender(boost::asio::io_context& io, store::PgOutbox& outbox, Reporter report, const core::Clock& clock,
               OutboxSenderOptions options = {});
  ~OutboxSender() override;

  // REQUIRES: before start(). Messages through `provider` go to `link`.
  void add_link(core::Provider provider, ProviderLink& link);
  // Resumes the outbox after a restart: `due` are deliveries whose rows are
  // pending (rebuilt from the database, with their attempts and next attempt
  // times), `unknown` the rows that were in flight.
  void resume(std::vector<store::DueDelivery> due, std::vector<store::OutboxRow> unknown);

  void publish(const std::vector<core::Event>&) override {}
  // A DeliverMessage whose row the journal just committed.
  void apply(const core::Effect& effect) override;

  // A provider status callback named this message: an 'unknown' row learns
  // its provider id and is sent after all.
  void confirmed(core::MessageId message, std::string provider_message_id);

  struct Stats {
    std::uint64_t sent{0}, failed{0}, retried{0}, unknown{0};
  };
  Stats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::channels
