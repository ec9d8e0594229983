#pragma once
// Where the host makes events durable. Implemented by store::PgJournal.
#include <functional>
#include <vector>

#include "core/events.h"

namespace contactd::host {

class Journal {
 public:
  virtual ~Journal() = default;
  // Makes `events` durable after everything appended before them, then calls
  // `done` (on the journal's own thread). An empty batch is still ordered: its
  // `done` runs after every earlier batch is durable. Never drops a batch: on
  // database errors it retries until it succeeds or the journal is stopped.
  // Thread-safe.
  virtual void append(std::vector<core::Event> events, std::function<void()> done) = 0;
  // False while the database is unreachable or commits fail.
  virtual bool available() const = 0;
};

}  // namespace contactd::host
