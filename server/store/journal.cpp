#include "store/journal.h"

#include <spdlog/spdlog.h>

#include <future>

#include "store/database.h"
#include "store/projection.h"
#include "wire/json_writer.h"
#include "wire/mapping.h"

namespace contactd::store {

namespace {

// The event's journal payload (its protobuf as JSON) appended to `out`;
// `scratch` is reused between events.
void append_payload(const core::Event& e, wire::v1::Event& scratch, std::string& out) {
  scratch.Clear();
  wire::to_proto(e, &scratch);
  wire::append_json(scratch, out);
}

}  // namespace

PgJournal::PgJournal(std::string database_url) : url_(std::move(database_url)) {}

PgJournal::~PgJournal() { stop(std::chrono::milliseconds(0)); }

void PgJournal::start() {
  thread_ = std::thread([this] { run(); });
}

void PgJournal::stop(std::chrono::milliseconds drain_for) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + drain_for;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PgJournal::append(std::vector<core::Event> events, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Batch{std::move(events), std::move(done)});
  }
  cv_.notify_one();
}

bool PgJournal::append_and_wait(std::vector<core::Event> events) {
  std::promise<bool> settled;
  auto future = settled.get_future();
  append(std::move(events), [&settled](bool stored) { settled.set_value(stored); });
  return future.get();
}

void PgJournal::reconnect() {
  conn_.reset();
  conn_ = connect(url_);
}

void PgJournal::write(Group::const_iterator first, Group::const_iterator last) {
  bool any = false;
  for (auto b = first; b != last; ++b) any = any || !b->events.empty();
  if (!any) return;  // only ordering markers: nothing to write
  if (!conn_) reconnect();
  // After a failure the previous commit may have landed (in-doubt): skip what is there.
  core::EventSeq written = 0;
  if (after_failure_)
    written = pqxx::nontransaction(*conn_).exec1("SELECT COALESCE(max(seq), 0) FROM journal")[0].as<core::EventSeq>();
  std::vector<const core::Event*> events;
  for (auto b = first; b != last; ++b)
    for (const auto& e : b->events)
      if (e.seq > written) events.push_back(&e);
  if (events.empty()) return;
  if (events.size() >= kCopyFrom) write_by_copy(events);
  else write_in_one_message(events);
}

void PgJournal::write_in_one_message(const std::vector<const core::Event*>& events) {
  // Journal rows: one statement for the group (a JSON array of rows).
  wire::v1::Event message;
  std::string rows = "[";
  for (const core::Event* e : events) {
    const auto interaction = core::interaction_of(e->body).value_or(0);
    if (rows.size() > 1) rows += ',';
    rows += "{\"seq\":" + std::to_string(e->seq) + ",\"at\":" + std::to_string(core::to_unix_ms(e->at)) +
            ",\"type\":\"" + std::string(wire::event_type(*e)) + "\",\"payload\":";
    append_payload(*e, message, rows);
    rows += ",\"interaction_id\":" + (interaction ? std::to_string(interaction) : std::string("null")) + "}";
  }
  rows += "]";
  SqlBatch batch(*conn_);
  batch.add("INSERT INTO journal (seq, at, type, payload, interaction_id)"
            " SELECT seq, to_timestamp(at / 1000.0), type, payload, interaction_id FROM jsonb_to_recordset($1::jsonb)"
            " AS x(seq bigint, at bigint, type text, payload jsonb, interaction_id bigint)",
            rows);
  // Query tables, in event order.
  Projector projector(batch);
  for (const core::Event* e : events) projector.apply(*e);
  projector.flush();
  // One message, one implicit transaction, one round trip: durable when it returns.
  pqxx::nontransaction(*conn_).exec(batch.text());
}

void PgJournal::write_by_copy(const std::vector<const core::Event*>& events) {
  pqxx::work t(*conn_);
  {
    pqxx::stream_to journal(t, "journal", std::vector<std::string>{"seq", "at", "type", "payload", "interaction_id"});
    wire::v1::Event message;
    std::string payload, interaction;
    for (const core::Event* e : events) {
      payload.clear();
      append_payload(*e, message, payload);
      const auto id = core::interaction_of(e->body).value_or(0);
      interaction = std::to_string(id);
      journal << std::make_tuple(static_cast<long long>(e->seq), timestamp_text(e->at),
                                 std::string(wire::event_type(*e)), payload, id ? interaction.c_str() : nullptr);
    }
    journal.complete();
  }
  SqlBatch batch(*conn_);
  Projector projector(batch, Projector::Messages::copied_later);
  for (const core::Event* e : events) projector.apply(*e);
  projector.flush();
  if (!batch.empty()) t.exec(batch.text());
  projector.copy_messages(t);
  t.commit();
}

namespace {

// The database refused what was written (SQLSTATE class 22 data exception,
// 23 integrity constraint violation, 54 program limit exceeded), as opposed
// to being unreachable or unable to write at all: writing the same rows again
// fails again, writing others may succeed.
bool refused_for_content(const std::exception& ex) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&ex);
  if (!sql) return false;
  const std::string state = sql->sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("54", 0) == 0;
}

}  // namespace

void PgJournal::settle(Group& group, std::size_t count) {
  try {
    write(group.cbegin(), group.cbegin() + static_cast<std::ptrdiff_t>(count));
  } catch (const std::exception& ex) {
    if (!refused_for_content(ex)) throw;
    conn_.reset();  // a refused COPY may leave the connection mid-protocol
    if (count == 1) {
      Batch refused = std::move(group.front());
      group.pop_front();
      const auto seq = refused.events.empty() ? 0 : refused.events.front().seq;
      spdlog::error("journal: the database refused a change for its content; not stored, answered with an error"
                    " (events from seq {}, {} events): {}",
                    seq, refused.events.size(), ex.what());
      if (refused.done) refused.done(false);
      return;
    }
    const std::size_t half = count / 2;
    settle(group, half);
    settle(group, count - half);
    return;
  }
  after_failure_ = false;
  for (std::size_t i = 0; i < count; ++i) {
    Batch stored = std::move(group.front());
    group.pop_front();
    if (stored.done) stored.done(true);
  }
}

void PgJournal::check_health() {
  try {
    if (!conn_) reconnect();
    pqxx::nontransaction t(*conn_);
    t.exec("SELECT 1");
    if (!available_.exchange(true)) spdlog::info("journal: database available again");
  } catch (const std::exception& ex) {
    if (available_.exchange(false)) spdlog::error("journal: database unavailable: {}", ex.what());
    conn_.reset();
  }
}

void PgJournal::run() {
  std::deque<Batch> group;
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (group.empty()) {
        // Idle: check the database now and then, so that an outage is seen
        // (and new commands refused) before a command runs into it.
        if (!cv_.wait_for(lock, kHealthEvery, [&] { return stopping_ || !queue_.empty(); })) {
          lock.unlock();
          check_health();
          continue;
        }
        if (queue_.empty()) return;  // stopping, all written
      }
      // Group commit: take everything queued behind the batches being retried.
      while (!queue_.empty()) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    try {
      settle(group, group.size());
      if (!available_.exchange(true)) spdlog::info("journal: database available again");
      backoff = std::chrono::milliseconds(100);
    } catch (const std::exception& ex) {
      // Keep the group and retry: nothing queued is ever dropped or reordered.
      if (available_.exchange(false)) spdlog::error("journal: write failed, retrying: {}", ex.what());
      conn_.reset();
      after_failure_ = true;
      std::unique_lock lock(mu_);
      if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
        spdlog::error("journal: stopping with {} unwritten batches", group.size() + queue_.size());
        return;
      }
      cv_.wait_for(lock, backoff, [&] { return stopping_ && std::chrono::steady_clock::now() >= stop_deadline_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }
}

}  // namespace contactd::store
