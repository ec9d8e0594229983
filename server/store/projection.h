#pragma once
// Turns events into the statements that apply them to the query tables.
#include "core/events.h"
#include "store/sql_batch.h"

namespace contactd::store {

void project(SqlBatch& b, const core::Event& event);

// `at` as PostgreSQL timestamptz text (UTC, milliseconds), for COPY.
std::string timestamp_text(core::TimePoint at);

// Applies events in order, writing runs of messages (the most frequent
// event) with one statement per run. Call flush() before sending `b`.
// With Messages::copied_later, messages are kept out of `b` and written by
// copy_messages() (COPY), after `b` has run: nothing else in a projection
// reads the messages table, and the interactions they belong to exist by then.
// What a group of stored messages implies, in the same transaction: agent
// and bot messages of provider-carried interactions enter the outbox; the
// uploads messages use are bound to their interaction; the inbox rows they
// came from are processed. A group of plain customer text implies nothing.
struct MessageFollowUps {
  std::vector<core::MessageId> outbound;  // not from the customer
  std::vector<core::MessageId> with_attachments;
  std::vector<std::uint64_t> inbox_ids;
  void note(const core::MessagePosted& m);
  bool empty() const { return outbound.empty() && with_attachments.empty() && inbox_ids.empty(); }
  void clear();
};

class Projector {
 public:
  enum class Messages { in_batch, copied_later };
  explicit Projector(SqlBatch& b, Messages mode = Messages::in_batch) : b_(b), mode_(mode) {}
  void apply(const core::Event& event);
  void flush();
  void copy_messages(pqxx::transaction_base& t);

 private:
  SqlBatch& b_;
  Messages mode_;
  std::vector<const core::Event*> copied_;
  std::string messages_;  // JSON rows not yet written
  MessageFollowUps follow_ups_;  // of those rows
  std::size_t pending_{0};
};

}  // namespace contactd::store
