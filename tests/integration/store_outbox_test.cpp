// The outbox writer (store/outbox.h) on a real PostgreSQL: a claim or state
// record the database refuses for its content is settled alone — a claim is
// answered with a typed StoreError, a record is dropped — while the claims
// and records queued with it are written, and the outbox goes on. The
// refusal is made real by a trigger (PostgreSQL itself refusing the row).
#include <catch2/catch.hpp>
#include <future>

#include "harness/database.h"
#include "store/migrations.h"
#include "store/outbox.h"

using namespace contactd;
using namespace std::chrono_literals;

namespace {

struct Claim {
  std::vector<std::uint64_t> claimed;
  std::optional<store::StoreError> error;
};

struct OutboxDb {
  test::TestDatabase db;
  store::PgOutbox outbox{db.url()};

  // Rows 1, 2 and 3 pending; any change to row 2 is refused with a check
  // violation (SQLSTATE 23514), as a constraint refuses a row.
  OutboxDb() {
    {
      pqxx::connection conn{db.url()};
      store::apply_migrations(conn);
    }
    db.query("ALTER TABLE outbox DROP CONSTRAINT outbox_message_id_fkey");  // rows without messages
    db.query("INSERT INTO outbox (message_id, interaction_id, account_id) VALUES (1, 10, 1), (2, 10, 1), (3, 10, 1)");
    db.query(R"(CREATE FUNCTION refuse_two() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'row 2 refused' USING ERRCODE = '23514'; END $$)");
    db.query(
        "CREATE TRIGGER refuse_two BEFORE UPDATE ON outbox FOR EACH ROW WHEN (OLD.message_id = 2)"
        " EXECUTE FUNCTION refuse_two()");
  }
  ~OutboxDb() { outbox.stop(); }

  std::future<Claim> claim(std::vector<std::uint64_t> messages) {
    auto settled = std::make_shared<std::promise<Claim>>();
    auto f = settled->get_future();
    outbox.claim(std::move(messages),
                 [settled](std::vector<std::uint64_t> claimed, std::optional<store::StoreError> error) {
                   settled->set_value(Claim{std::move(claimed), std::move(error)});
                 });
    return f;
  }
  std::string row(std::uint64_t message) {
    return db.query(
        "SELECT state || ' ' || attempts || ' ' || COALESCE(last_error, '-') FROM outbox WHERE message_id = " +
        std::to_string(message));
  }
};

Claim wait(std::future<Claim>& f) {
  REQUIRE(f.wait_for(30s) == std::future_status::ready);
  return f.get();
}

store::OutboxUpdate failed(std::uint64_t message, std::string why) {
  return store::OutboxUpdate{message, store::OutboxUpdate::State::failed, {}, {}, std::move(why)};
}

}  // namespace

TEST_CASE(
    "R-MSG-5 an outbox claim or record the database refuses is settled alone, the ones queued with it are written",
    "[outbox]") {
  OutboxDb t;
  // Queued before the writer starts: one group.
  auto refused = t.claim({2});
  auto fine = t.claim({1});
  t.outbox.record(failed(2, "never stored"));
  t.outbox.record(failed(3, "gave up"));
  t.outbox.start();

  const Claim r = wait(refused);
  CHECK(r.claimed.empty());
  REQUIRE(r.error);
  CHECK(r.error->kind == store::StoreError::Kind::refused);
  CHECK(r.error->message.find("row 2 refused") != std::string::npos);
  const Claim f = wait(fine);
  CHECK_FALSE(f.error);
  CHECK(f.claimed == std::vector<std::uint64_t>{1});

  // The outbox goes on: a later group is written (an empty claim is ordered
  // behind the record, as a marker).
  t.outbox.record(store::OutboxUpdate{1, store::OutboxUpdate::State::sent, {}, "wamid.1", {}});
  auto again = t.claim({2, 3});
  const Claim a = wait(again);
  REQUIRE(a.error);  // row 2 is refused again, so is its claim
  CHECK(a.error->kind == store::StoreError::Kind::refused);
  auto marker = t.claim({});
  CHECK_FALSE(wait(marker).error);

  CHECK(t.row(1) == "sent 1 -");
  CHECK(t.row(2) == "pending 0 -");  // neither the claim nor the record reached it
  CHECK(t.row(3) == "failed 0 gave up");
}

TEST_CASE("R-MSG-5 an outbox stopped with claims queued answers them as stopping and refuses new ones", "[outbox]") {
  store::PgOutbox outbox{"host=127.0.0.1 port=1 connect_timeout=1"};
  outbox.start();
  std::promise<Claim> queued;
  auto f = queued.get_future();
  outbox.claim({1}, [&queued](std::vector<std::uint64_t> claimed, std::optional<store::StoreError> error) {
    queued.set_value(Claim{std::move(claimed), std::move(error)});
  });
  outbox.stop(0ms);  // the database was never reachable: nothing drains
  const Claim c = wait(f);
  CHECK(c.claimed.empty());
  REQUIRE(c.error);
  CHECK(c.error->kind == store::StoreError::Kind::stopping);

  std::promise<Claim> late;
  auto g = late.get_future();
  outbox.claim({1}, [&late](std::vector<std::uint64_t> claimed, std::optional<store::StoreError> error) {
    late.set_value(Claim{std::move(claimed), std::move(error)});
  });
  const Claim l = wait(g);
  REQUIRE(l.error);
  CHECK(l.error->kind == store::StoreError::Kind::stopping);
}
