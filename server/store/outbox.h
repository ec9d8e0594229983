#pragma once
// The outbox (migration 0014) as its sender sees it. Rows are inserted by the
// journal's projection, in the transaction that stores the message; from then
// on the sender owns them: it claims rows before their request leaves
// (pending -> in_flight), and records what the provider answered. One thread,
// one connection; everything queued while a transaction runs goes into the
// next one. Writes that fail for an outage are retried until they succeed or
// the outbox stops (a lost write is safe: an in_flight row found at start
// becomes 'unknown' and is reconciled from the provider's status callbacks).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "core/effects.h"
#include "core/time.h"

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
  // interactions tables as the engine first decided them. Blocking; at start.
  std::vector<core::DeliverMessage> deliveries(const std::vector<OutboxRow>& rows);
  void start();
  // Writes what is queued (for up to `drain_for` through an outage), then stops.
  void stop(std::chrono::milliseconds drain_for = std::chrono::seconds(2));

  // pending -> in_flight (attempts + 1) for those of `messages` still
  // pending; `done` gets the claimed ones (on the outbox thread). Only a
  // claimed row may be sent.
  void claim(std::vector<std::uint64_t> messages, std::function<void(std::vector<std::uint64_t>)> done);
  void record(OutboxUpdate update);
  // The outbox row of a provider's message id (or of our own message id,
  // echoed by the provider as correlation data); `done` on the outbox thread.
  void resolve(std::uint64_t account, std::string provider_message_id, std::uint64_t correlation,
               std::function<void(std::optional<OutboxRow>)> done);

 private:
  // Runs inside the group's transaction; what it returns runs after the commit.
  using Job = std::function<std::function<void()>(pqxx::work&)>;
  void post(Job job);
  void run();

  const std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<OutboxUpdate> records_;  // written as one statement per transaction
  bool stopping_{false};
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::thread thread_;
};

}  // namespace contactd::store
