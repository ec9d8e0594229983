#pragma once
// Applies one event to the query tables, inside the caller's transaction.
#include <pqxx/pqxx>

#include "core/events.h"

namespace contactd::store {

void project(pqxx::transaction_base& t, const core::Event& event);

// Applies events in order, writing runs of messages (the most frequent
// event) with one statement per run. Call flush() before using `t` otherwise.
class Projector {
 public:
  explicit Projector(pqxx::transaction_base& t) : t_(t) {}
  void apply(const core::Event& event);
  void flush();

 private:
  pqxx::transaction_base& t_;
  std::string messages_;  // JSON rows not yet written
  std::size_t pending_{0};
};

}  // namespace contactd::store
