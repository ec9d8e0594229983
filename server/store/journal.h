#pragma once
// The journal writer: one thread, one connection, group commit. Everything
// queued while a transaction is in flight goes into the next transaction, so
// throughput grows with load while each batch still waits for only one commit.
#include <chrono>
#include <string>

#include "host/journal.h"
#include "store/group_writer.h"

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
  bool available() const override { return writer_.available(); }

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
  using Writer = GroupWriter<Batch>;
  class Target;

  // Throws on database errors. Small groups go out as one simple-query
  // message (one round trip: latency); from kCopyFrom events on, rows go by
  // COPY in a transaction (a few round trips, far less work per row).
  static void write_in_one_message(pqxx::connection& conn, const std::vector<const core::Event*>& events);
  static void write_by_copy(pqxx::connection& conn, const std::vector<const core::Event*>& events);

  std::unique_ptr<Target> target_;
  Writer writer_;
};

}  // namespace contactd::store
