// The provider channels' inbox (store/inbox.h) on a real PostgreSQL: a webhook
// item is stored once whatever the provider redelivers, the caller learns
// which items were new only after the commit, and settled items are not fed
// again at start.
#include <catch2/catch.hpp>
#include <future>

#include "harness/database.h"
#include "store/inbox.h"
#include "store/migrations.h"

using namespace contactd;
using namespace std::chrono_literals;

namespace {

struct InboxDb {
  test::TestDatabase db;
  pqxx::connection conn{db.url()};
  store::PgInbox inbox{db.url(), 2s};
  InboxDb() {
    store::apply_migrations(conn);
    inbox.start();
  }
  std::optional<std::vector<store::InboxId>> accept(std::vector<store::InboxItem> items) {
    std::promise<std::optional<std::vector<store::InboxId>>> p;
    auto f = p.get_future();
    inbox.accept(std::move(items), [&p](auto ids) { p.set_value(std::move(ids)); });
    return f.get();
  }
};

store::InboxItem message(std::uint64_t account, const std::string& wamid) {
  return store::InboxItem{account, "msg:" + wamid, "message", R"({"id":")" + wamid + R"(","text":"hi \"there\""})"};
}

}  // namespace

TEST_CASE("R-MSG-5 a redelivered webhook item is stored once (dedupe by account and provider id)", "[inbox]") {
  InboxDb t;
  auto first = t.accept({message(1, "wamid.A"), message(1, "wamid.B")});
  REQUIRE(first);
  REQUIRE(first->size() == 2);
  CHECK((*first)[0] != 0);
  CHECK((*first)[1] != 0);
  CHECK((*first)[0] != (*first)[1]);

  // The same two again, plus a new one and a copy of the new one in the same batch.
  auto again = t.accept({message(1, "wamid.B"), message(1, "wamid.C"), message(1, "wamid.C"), message(1, "wamid.A")});
  REQUIRE(again);
  CHECK((*again)[0] == 0);
  CHECK((*again)[1] != 0);
  CHECK((*again)[2] == 0);
  CHECK((*again)[3] == 0);
  // The same provider id under another account is another item.
  auto other = t.accept({message(2, "wamid.A")});
  REQUIRE(other);
  CHECK((*other)[0] != 0);
  CHECK(t.db.query("SELECT count(*) FROM channel_inbox") == "4");
  CHECK(t.db.query("SELECT payload->>'text' FROM channel_inbox WHERE dedupe_key = 'msg:wamid.A' AND account_id = 1") ==
        "hi \"there\"");
  auto stats = t.inbox.stats();
  CHECK(stats.items == 7);
  CHECK(stats.duplicates == 3);
}

TEST_CASE("R-MSG-5 settled inbox items are not fed again, unsettled ones are, oldest first", "[inbox]") {
  InboxDb t;
  auto ids = t.accept({message(1, "wamid.1"), message(1, "wamid.2"), message(1, "wamid.3")});
  REQUIRE(ids);
  t.inbox.mark_processed((*ids)[1], "");
  t.inbox.mark_processed((*ids)[2], "unknown message");
  // Marks ride on the next transaction; an empty accept forces one.
  REQUIRE(t.accept({}));
  auto left = t.inbox.unprocessed();
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == (*ids)[0]);
  CHECK(left[0].item.dedupe_key == "msg:wamid.1");
  CHECK(left[0].item.kind == "message");
  CHECK(t.db.query("SELECT outcome FROM channel_inbox WHERE id = " + std::to_string((*ids)[2])) == "unknown message");
}

TEST_CASE("R-MSG-5 an inbox that cannot reach the database answers 'not stored' within its patience", "[inbox]") {
  store::PgInbox inbox{"host=127.0.0.1 port=1 connect_timeout=1", 300ms};
  inbox.start();
  std::promise<bool> stored;
  auto f = stored.get_future();
  inbox.accept({message(1, "wamid.X")}, [&stored](auto ids) { stored.set_value(ids.has_value()); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(f.get());
}

TEST_CASE("R-MSG-5 a webhook item the database refuses is answered 'not stored' alone, the items queued with it are stored",
          "[inbox]") {
  test::TestDatabase db;
  {
    pqxx::connection conn{db.url()};
    store::apply_migrations(conn);
  }
  store::PgInbox inbox{db.url(), 2s};
  // Queued before the writer starts: one group. The middle one breaks the
  // table's CHECK on kind (SQLSTATE 23514).
  std::vector<std::promise<std::optional<std::vector<store::InboxId>>>> settled(3);
  const std::vector<store::InboxItem> items{message(1, "wamid.ok1"), store::InboxItem{1, "msg:wamid.bad", "bogus", "{}"},
                                            message(1, "wamid.ok2")};
  for (std::size_t k = 0; k < items.size(); ++k)
    inbox.accept({items[k]}, [&settled, k](auto ids) { settled[k].set_value(std::move(ids)); });
  inbox.start();
  std::vector<std::optional<std::vector<store::InboxId>>> got;
  for (auto& s : settled) {
    auto f = s.get_future();
    REQUIRE(f.wait_for(30s) == std::future_status::ready);
    got.push_back(f.get());
  }
  REQUIRE(got[0]);
  CHECK((*got[0])[0] != 0);
  CHECK_FALSE(got[1]);
  REQUIRE(got[2]);
  CHECK((*got[2])[0] != 0);
  CHECK(db.query("SELECT string_agg(dedupe_key, ',' ORDER BY id) FROM channel_inbox") == "msg:wamid.ok1,msg:wamid.ok2");
  inbox.stop();
}
