#pragma once
// The journal writer: one thread, one connection, group commit. Everything
// queued while a transaction is in flight goes into the next transaction, so
// throughput grows with load while each batch still waits for only one commit.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "host/journal.h"

namespace contactd::store {

class PgJournal final : public host::Journal {
 public:
  explicit PgJournal(std::string database_url);
  ~PgJournal() override;

  void start();
  // Writes what is queued (retrying for up to `drain_for`), then stops the thread.
  // Batches still unwritten then are never acknowledged.
  void stop(std::chrono::milliseconds drain_for = std::chrono::seconds(10));

  void append(std::vector<core::Event> events, Done done) override;
  bool available() const override { return available_.load(); }

  // Groups of at least this many events are written by COPY.
  static constexpr std::size_t kCopyFrom = 64;

  // For command-line tools: appends and blocks until settled; false when the
  // database refused the events for their content. REQUIRES: started.
  bool append_and_wait(std::vector<core::Event> events);

 private:
  struct Batch {
    std::vector<core::Event> events;
    Done done;
  };
  using Group = std::deque<Batch>;

  void run();
  // Writes the first `count` batches of `group` and removes them, calling each
  // one's `done`. A prefix the database refuses for its content is halved
  // until the refused batches are found; those are settled as not stored, the
  // rest are written. Throws on any other error (an outage): the batches still
  // in `group` are to be retried.
  void settle(Group& group, std::size_t count);
  // Throws on database errors. Small groups go out as one simple-query
  // message (one round trip: latency); from kCopyFrom events on, rows go by
  // COPY in a transaction (a few round trips, far less work per row).
  void write(Group::const_iterator first, Group::const_iterator last);
  void write_in_one_message(const std::vector<const core::Event*>& events);
  void write_by_copy(const std::vector<const core::Event*>& events);
  void reconnect();

  const std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stopping_{false};
  std::chrono::steady_clock::time_point stop_deadline_{};
  static constexpr std::chrono::milliseconds kHealthEvery{500};
  void check_health();
  std::atomic<bool> available_{true};
  bool after_failure_{false};  // a commit may have landed before the error: check
  std::thread thread_;
};

}  // namespace contactd::store
