// Persisted events per second (issue 4): the engine's events made durable by
// the group-commit journal (journal row + query-table projection per event,
// as the daemon does), against raw COPY of the same rows into tables of the
// same shape, in the same PostgreSQL, in the same run.
//
// Needs a PostgreSQL from the environment (PGHOST...), e.g.:
//   pg_virtualenv -v 15 -- build/bench/journal_bench [messages]
// It creates and drops its own database.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/engine.h"
#include "store/database.h"
#include "store/journal.h"
#include "store/migrations.h"
#include "wire/mapping.h"

using namespace contactd;
using Stopwatch = std::chrono::steady_clock;

namespace {

core::Outcome must(core::Outcome o) {
  if (!o.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", o.error->message.c_str());
    std::exit(1);
  }
  return o;
}

double seconds_since(Stopwatch::time_point t0) {
  return std::chrono::duration<double>(Stopwatch::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  constexpr std::size_t kConversations = 1000;
  const std::string db = "contactd_bench_" + std::to_string(::getpid());
  {
    auto admin = store::connect("dbname=postgres");
    pqxx::nontransaction(*admin).exec("CREATE DATABASE " + db);
  }
  const std::string url = "dbname=" + db;
  {
    auto c = store::connect(url);
    store::apply_migrations(*c);
  }

  // The engine decides: a campaign, an agent, conversations, then messages.
  core::ManualClock clock(core::from_unix_ms(1'790'000'000'000));
  core::Engine engine;
  std::vector<core::Event> setup;
  auto run = [&](core::CommandBody body, std::vector<core::Event>* into, core::Actor actor = core::Actor::System()) {
    auto o = must(engine.handle(core::Command{actor, std::move(body)}, clock.now()));
    if (into) into->insert(into->end(), o.events.begin(), o.events.end());
    return o;
  };
  core::CampaignSettings settings;
  settings.channels[core::index(core::Channel::webchat)] = core::ChannelSettings{true, core::Provider::builtin};
  const auto campaign = std::get<core::CreatedReply>(run(core::CreateCampaign{"Bench", settings}, &setup).reply).id;
  const auto agent = std::get<core::CreatedReply>(
      run(core::CreateUser{"agent", "Agent", core::Profile::agent, "x"}, &setup).reply).id;
  run(core::SetMembership{agent, campaign, true}, &setup);
  std::vector<core::InteractionId> conversations;
  for (std::size_t k = 0; k < kConversations; ++k) {
    auto o = run(core::OpenInteraction{campaign, core::Channel::webchat, "visitor-" + std::to_string(k), 0}, &setup);
    conversations.push_back(std::get<core::CreatedReply>(o.reply).id);
    run(core::Take{conversations.back()}, &setup, core::Actor::User(agent));
  }
  std::vector<std::vector<core::Event>> batches;  // one per command, as the host appends them
  batches.reserve(messages);
  for (std::size_t n = 0; n < messages; ++n) {
    clock.advance(std::chrono::milliseconds(1));
    auto o = must(engine.handle(core::Command{core::Actor::System(),
                                              core::CustomerMessage{conversations[n % kConversations],
                                                                    "message number " + std::to_string(n), {}}},
                                clock.now()));
    batches.push_back(std::move(o.events));
  }
  std::printf("journal_bench: %zu messages over %zu conversations, database %s\n", messages, kConversations, db.c_str());

  // 1. The journal: setup first (untimed), then every message as its own batch.
  store::PgJournal journal(url);
  journal.start();
  journal.append_and_wait(setup);
  std::atomic<std::size_t> durable{0};
  const auto t0 = Stopwatch::now();
  for (auto& b : batches) journal.append(std::move(b), [&durable](bool) { durable.fetch_add(1, std::memory_order_relaxed); });
  journal.append_and_wait({});
  const double journal_s = seconds_since(t0);
  journal.stop(std::chrono::milliseconds(1000));

  // 2. Baseline: the same journal and message rows by COPY into tables of the
  // same shape with the same indexes (no foreign keys).
  auto c = store::connect(url);
  {
    pqxx::work t(*c);
    t.exec("CREATE TABLE copy_journal (LIKE journal INCLUDING DEFAULTS)");
    t.exec("CREATE TABLE copy_messages (LIKE messages INCLUDING DEFAULTS)");
    t.exec("CREATE INDEX ON copy_journal (interaction_id, seq)");
    t.exec("CREATE INDEX ON copy_messages (interaction_id, id)");
    t.exec("ALTER TABLE copy_journal ADD PRIMARY KEY (seq)");
    t.exec("ALTER TABLE copy_messages ADD PRIMARY KEY (id)");
    t.commit();
  }
  struct Row {
    std::string journal_at, type, payload;
    long long seq, interaction, message;
    std::string body, author;
  };
  std::vector<Row> rows;
  rows.reserve(messages);
  {
    // The rows exactly as the journal wrote them (read back, untimed).
    pqxx::read_transaction t(*c);
    for (const auto& row : t.exec("SELECT seq, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS+00'), type, payload::text,"
                                  " COALESCE(interaction_id, 0) FROM journal WHERE type = 'message_posted' ORDER BY seq")) {
      Row out;
      out.seq = row[0].as<long long>();
      out.journal_at = row[1].as<std::string>();
      out.type = row[2].as<std::string>();
      out.payload = row[3].as<std::string>();
      out.interaction = row[4].as<long long>();
      rows.push_back(std::move(out));
    }
    std::size_t k = 0;
    for (const auto& row : t.exec("SELECT id, body, author_name FROM messages ORDER BY id")) {
      if (k >= rows.size()) break;
      rows[k].message = row[0].as<long long>();
      rows[k].body = row[1].as<std::string>();
      rows[k].author = row[2].as<std::string>();
      ++k;
    }
  }
  const auto t1 = Stopwatch::now();
  {
    pqxx::work t(*c);
    {
      pqxx::stream_to j(t, "copy_journal", std::vector<std::string>{"seq", "at", "type", "payload", "interaction_id"});
      for (const auto& row : rows) j << std::make_tuple(row.seq, row.journal_at, row.type, row.payload, row.interaction);
      j.complete();
    }
    {
      pqxx::stream_to m(t, "copy_messages",
                        std::vector<std::string>{"id", "interaction_id", "sender", "author_name", "body", "created_at"});
      for (const auto& row : rows)
        m << std::make_tuple(row.message, row.interaction, std::string("customer"), row.author, row.body, row.journal_at);
      m.complete();
    }
    t.commit();
  }
  const double copy_s = seconds_since(t1);

  const double journal_rate = static_cast<double>(messages) / journal_s;
  const double copy_rate = static_cast<double>(rows.size()) / copy_s;
  std::printf("%-28s %12s %12s\n", "path", "seconds", "events/s");
  std::printf("%-28s %12.3f %12.0f\n", "journal (group commit)", journal_s, journal_rate);
  std::printf("%-28s %12.3f %12.0f\n", "raw COPY (same rows)", copy_s, copy_rate);
  std::printf("ratio journal / COPY: %.1f%%   (durable batches: %zu)\n", 100.0 * journal_rate / copy_rate,
              durable.load());

  c.reset();
  auto admin = store::connect("dbname=postgres");
  pqxx::nontransaction(*admin).exec("DROP DATABASE " + db + " WITH (FORCE)");
  return 0;
}
