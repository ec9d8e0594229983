#pragma once
// Turns events into the statements that apply them to the query tables.
#include "core/events.h"
#include "store/sql_batch.h"

namespace contactd::store {

void project(SqlBatch& b, const core::Event& event);

// Applies events in order, writing runs of messages (the most frequent
// event) with one statement per run. Call flush() before sending `b`.
class Projector {
 public:
  explicit Projector(SqlBatch& b) : b_(b) {}
  void apply(const core::Event& event);
  void flush();

 private:
  SqlBatch& b_;
  std::string messages_;  // JSON rows not yet written
  std::size_t pending_{0};
};

}  // namespace contactd::store
