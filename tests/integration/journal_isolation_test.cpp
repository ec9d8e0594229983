// R-SEC-2: one change the database refuses for its content never wedges the
// journal: the group it came in is split, that change alone is refused, the
// others commit in order. The refusal is made real by a trigger in the test
// database (PostgreSQL itself refusing the rows), not by a fake journal.
#include <catch2/catch.hpp>
#include <future>

#include "core/engine.h"
#include "harness/database.h"
#include "store/journal.h"
#include "store/loader.h"
#include "store/migrations.h"

using namespace contactd;
using namespace contactd::core;
using namespace std::chrono_literals;

namespace {

// Journal rows whose payload mentions POISON are refused with a data
// exception (SQLSTATE 22023), as PostgreSQL refuses text it cannot store.
void install_poison_trigger(test::TestDatabase& db) {
  db.query(R"(CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                IF NEW.payload::text LIKE '%POISON%' THEN
                  RAISE EXCEPTION 'poisoned row' USING ERRCODE = '22023';
                END IF;
                RETURN NEW;
              END $$)");
  db.query("CREATE TRIGGER refuse_poison BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
}

struct Journaled {
  test::TestDatabase db;
  pqxx::connection conn{db.url()};
  store::PgJournal journal{db.url()};
  Engine engine;
  TimePoint now = from_unix_ms(1'790'000'000'000);

  Journaled() {
    store::apply_migrations(conn);
    engine = Engine(store::load_state(conn));
  }
  ~Journaled() { journal.stop(); }

  std::vector<Event> status(const std::string& name) {
    Outcome o = engine.handle(Command{Actor::System(), DefineStatus{name}}, now);
    INFO((o.error ? o.error->message : std::string()));
    REQUIRE(o.ok());
    return o.events;
  }
  std::vector<std::string> stored_statuses() {
    std::vector<std::string> names;
    pqxx::nontransaction t(conn);
    for (auto row : t.exec("SELECT payload::text FROM journal WHERE type = 'status_defined' ORDER BY seq"))
      names.push_back(row[0].as<std::string>());
    return names;
  }
};

bool mentions(const std::vector<std::string>& rows, const std::string& what) {
  for (const auto& r : rows)
    if (r.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("R-SEC-2 a group with one refused change is split: that change alone is refused, the others commit") {
  const std::size_t batches = GENERATE(std::size_t{5}, store::PgJournal::kCopyFrom + 5);  // one message, and COPY
  Journaled j;
  install_poison_trigger(j.db);
  // Queue every batch before the writer starts, so they form one group.
  const std::size_t poisoned = batches / 2;
  std::vector<std::promise<bool>> settled(batches);
  for (std::size_t k = 0; k < batches; ++k) {
    const std::string name = k == poisoned ? "POISON" : "status-" + std::to_string(k);
    j.journal.append(j.status(name), [&settled, k](bool stored) { settled[k].set_value(stored); });
  }
  j.journal.start();
  for (std::size_t k = 0; k < batches; ++k) {
    auto f = settled[k].get_future();
    REQUIRE(f.wait_for(30s) == std::future_status::ready);
    CHECK(f.get() == (k != poisoned));
  }
  const auto rows = j.stored_statuses();
  CHECK(rows.size() == batches - 1);
  CHECK_FALSE(mentions(rows, "POISON"));
  CHECK(mentions(rows, "status-0"));
  CHECK(mentions(rows, "status-" + std::to_string(batches - 1)));
  // The journal goes on: later batches are stored.
  CHECK(j.journal.append_and_wait(j.status("after")));
  CHECK(j.journal.available());
}

TEST_CASE("R-SEC-2 a refused change alone is refused again and again without wedging what follows") {
  Journaled j;
  install_poison_trigger(j.db);
  j.journal.start();
  for (int round = 0; round < 3; ++round) {
    CHECK_FALSE(j.journal.append_and_wait(j.status("POISON-" + std::to_string(round))));
    CHECK(j.journal.append_and_wait(j.status("fine-" + std::to_string(round))));
  }
  CHECK(j.stored_statuses().size() == 3);
}
