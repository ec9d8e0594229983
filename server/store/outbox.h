#pragma once
// The outbox (migration 0014) as its sender sees it. Rows are inserted by the
// journal's projection, in the transaction that stores the message; from then
// on the sender owns them: it claims rows before their request leaves
// (pending -> in_flight), and records what the provider answered. Group
// commit (store/group_writer.h): everything queued while a transaction runs
// goes into the next one. Writes that fail for an outage are retried until
// they succeed or the outbox stops (a lost write is safe: an in_flight row
// found at start becomes 'unknown' and is reconciled from the provider's
// status callbacks); one the database refuses for its content is settled
// alone with a StoreError, its neighbours are written.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "core/effects.h"
#include "core/time.h"
#include "store/group_writer.h"

namespace contactd::store {

struct OutboxUpdate {
  enum class State { pending, sent, failed, unknown };
  std::uint64_t message{};
  State state{State::pending};
  core::TimePoint next_attempt{};   // pending: when to try again
  std::string provider_message_id;  // sent (or learned while unknown)
  std::string error;                // why the last attempt did not succeed
};

struct OutboxRow {
  std::uint64_t message{};
  std::uint64_t interaction{};
  std::uint64_t account{};
  std::string state;
  int attempts{0};
  core::TimePoint next_attempt{};
  std::string provider_message_id;
};

// A pending row's delivery, rebuilt at start, with where its retry schedule
// stands.
struct DueDelivery {
  core::DeliverMessage delivery;
  int attempts{0};                 // attempts made before the restart
  core::TimePoint next_attempt{};  // not to be sent before
};

class PgOutbox {
 public:
  explicit PgOutbox(std::string database_url);
  ~PgOutbox();
  PgOutbox(const PgOutbox&) = delete;
  PgOutbox& operator=(const PgOutbox&) = delete;

  // At start, before start(): rows left in_flight by the previous process
  // become 'unknown' (their request may have reached the provider) and are
  // returned with the pending ones. Blocking.
  std::vector<OutboxRow> recover();
  // The deliveries of `rows` (pending ones), rebuilt from the messages and
  // interactions tables as the engine first decided them, with the rows'
  // attempts and next attempt times. Blocking; at start.
  std::vector<DueDelivery> deliveries(const std::vector<OutboxRow>& rows);
  void start();
  // Writes what is queued (for up to `drain_for` through an outage), then stops.
  void stop(std::chrono::milliseconds drain_for = std::chrono::seconds(2));

  // pending -> in_flight (attempts + 1) for those of `messages` still
  // pending; `done` gets the claimed ones (on the outbox thread), or the
  // error when nothing was claimed (refused; the outbox stopping). Only a
  // claimed row may be sent.
  using Claimed = std::function<void(std::vector<std::uint64_t> claimed, std::optional<StoreError> error)>;
  void claim(std::vector<std::uint64_t> messages, Claimed done);
  // Advice, written with the next transaction: a record the database refuses
  // is logged and dropped (the row is settled at start instead).
  void record(OutboxUpdate update);
  // The outbox row of a provider's message id (or of our own message id,
  // echoed by the provider as correlation data); `done` on the outbox thread
  // (std::nullopt too when the lookup could not be made).
  void resolve(std::uint64_t account, std::string provider_message_id, std::uint64_t correlation,
               std::function<void(std::optional<OutboxRow>)> done);

 private:
  // A state record, or a job: `run` runs inside the group's transaction and
  // what it returns runs after the commit; `fail` runs instead when the job
  // is not stored.
  struct Item {
    std::optional<OutboxUpdate> record;
    std::function<std::function<void()>(pqxx::work&)> run;
    std::function<void(const StoreError&)> fail;
    std::function<void()> after;
  };
  using Writer = GroupWriter<Item>;
  class Target;
  void post(Item item);

  const std::string url_;
  std::unique_ptr<Target> target_;
  Writer writer_;
};

}  // namespace contactd::store
