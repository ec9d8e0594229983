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

// The journal's part of group commit: its rows, and its answers to the host.
class PgJournal::Target final : public Writer::Target {
 public:
  void write(WriterConnection& conn, Writer::Iterator first, Writer::Iterator last, bool in_doubt) override {
    bool any = false;
    for (auto b = first; b != last; ++b) any = any || !b->events.empty();
    if (!any) return;  // only ordering markers: nothing to write
    // After a failure the previous commit may have landed (in-doubt): skip what is there.
    core::EventSeq written = 0;
    if (in_doubt)
      written = pqxx::nontransaction(conn.get())
                    .exec1("SELECT COALESCE(max(seq), 0) FROM journal")[0]
                    .as<core::EventSeq>();
    std::vector<const core::Event*> events;
    for (auto b = first; b != last; ++b)
      for (const auto& e : b->events)
        if (e.seq > written) events.push_back(&e);
    if (events.empty()) return;
    if (events.size() >= kCopyFrom) write_by_copy(conn.get(), events);
    else write_in_one_message(conn.get(), events);
  }
  void stored(Batch& batch) override {
    if (batch.done) batch.done(true);
  }
  void not_stored(Batch& batch, const StoreError& error) override {
    // Unwritten at stop: never acknowledged (host::Journal's contract).
    if (error.kind != StoreError::Kind::refused) return;
    const auto seq = batch.events.empty() ? 0 : batch.events.front().seq;
    spdlog::error("journal: the database refused a change for its content; not stored, answered with an error"
                  " (events from seq {}, {} events): {}",
                  seq, batch.events.size(), error.message);
    if (batch.done) batch.done(false);
  }
};

PgJournal::PgJournal(std::string database_url)
    : target_(std::make_unique<Target>()),
      writer_(std::move(database_url), *target_,
              GroupWriterOptions{"journal", std::chrono::milliseconds(100), std::chrono::milliseconds(2000),
                                 std::chrono::milliseconds(500)}) {}

PgJournal::~PgJournal() { stop(std::chrono::milliseconds(0)); }

void PgJournal::start() { writer_.start(); }

void PgJournal::stop(std::chrono::milliseconds drain_for) { writer_.stop(drain_for); }

void PgJournal::append(std::vector<core::Event> events, Done done) {
  // Stopped: never acknowledged (host::Journal's contract).
  writer_.post(Batch{std::move(events), std::move(done)});
}

bool PgJournal::append_and_wait(std::vector<core::Event> events) {
  std::promise<bool> settled;
  auto future = settled.get_future();
  append(std::move(events), [&settled](bool stored) { settled.set_value(stored); });
  return future.get();
}

void PgJournal::write_in_one_message(pqxx::connection& conn, const std::vector<const core::Event*>& events) {
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
  SqlBatch batch(conn);
  batch.add("INSERT INTO journal (seq, at, type, payload, interaction_id)"
            " SELECT seq, to_timestamp(at / 1000.0), type, payload, interaction_id FROM jsonb_to_recordset($1::jsonb)"
            " AS x(seq bigint, at bigint, type text, payload jsonb, interaction_id bigint)",
            rows);
  // Query tables, in event order.
  Projector projector(batch);
  for (const core::Event* e : events) projector.apply(*e);
  projector.flush();
  // One message, one implicit transaction, one round trip: durable when it returns.
  pqxx::nontransaction(conn).exec(batch.text());
}

void PgJournal::write_by_copy(pqxx::connection& conn, const std::vector<const core::Event*>& events) {
  pqxx::work t(conn);
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
  SqlBatch batch(conn);
  Projector projector(batch, Projector::Messages::copied_later);
  for (const core::Event* e : events) projector.apply(*e);
  projector.flush();
  if (!batch.empty()) t.exec(batch.text());
  projector.copy_messages(t);
  t.commit();
}

}  // namespace contactd::store
