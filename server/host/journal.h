#pragma once
// Where the host makes events durable. Implemented by store::PgJournal.
#include <functional>
#include <vector>

#include "core/events.h"

namespace contactd::host {

class Journal {
 public:
  virtual ~Journal() = default;
  // `stored` is true once the batch is durable; false when the database
  // refused the batch for its content (a data or constraint error, never an
  // outage): that batch alone is not stored, the batches around it are.
  using Done = std::function<void(bool stored)>;
  // Makes `events` durable after everything appended before them, then calls
  // `done` (on the journal's own thread). An empty batch is still ordered: its
  // `done` runs after every earlier batch is settled. Never drops a batch for
  // an outage: it retries until it succeeds or the journal is stopped (then
  // `done` is never called). Thread-safe.
  virtual void append(std::vector<core::Event> events, Done done) = 0;
  // False while the database is unreachable or commits fail.
  virtual bool available() const = 0;
};

}  // namespace contactd::host
