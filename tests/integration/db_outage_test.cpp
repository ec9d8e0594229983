// Database outage (issue 4, item 2): PostgreSQL stops under load and comes
// back; contactd stays up, says it is not ready, refuses commands quickly
// with UNAVAILABLE, reconnects by itself, and loses nothing it acknowledged.
// WebChat customers' messages during the outage are refused with
// "unavailable" (the customer retries); none is lost once acknowledged.
#include <atomic>
#include <mutex>
#include <thread>

#include "harness/private_cluster.h"
#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Polls /readyz until it answers `status` or `limit` passes.
bool readyz_becomes(std::uint16_t port, int status, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (http_get(port, "/readyz").status == status) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

struct Sent {
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::string>> acked;
  std::atomic<int> refused{0};
};

// A customer writing every 50 ms through the outage; refused messages are
// sent again, as the WebChat page does. A message already being committed
// when the database failed is acknowledged once it is back: wait for it.
void chatty_customer(std::uint16_t port, std::uint64_t campaign, int k, std::atomic<bool>& stop, Sent& sent) {
  try {
    WebChatClient c(port);
    c.send({{"type", "start"}, {"campaign", campaign}});
    boost::json::object f;
    if (!c.try_next(f, 3000ms) || f.at("type").as_string() != "started") return;
    for (int n = 0; !stop;) {
      const std::string text = "customer " + std::to_string(k) + " #" + std::to_string(n);
      c.send({{"type", "message"}, {"text", text}});
      if (!c.try_next(f, 30000ms)) return;
      if (f.at("type").as_string() == "sent") {
        std::lock_guard lock(sent.mu);
        sent.acked.emplace_back(static_cast<std::uint64_t>(f.at("id").as_int64()), text);
        ++n;
      } else if (f.at("type").as_string() == "error" && f.at("code").as_string() == "unavailable") {
        ++sent.refused;  // the same text again next time
      }
      std::this_thread::sleep_for(50ms);
    }
  } catch (const std::exception&) {
  }
}

}  // namespace

TEST_CASE("database outage: contactd stays up, /readyz turns false, commands get UNAVAILABLE quickly, "
          "it reconnects by itself, and nothing acknowledged is lost") {
  PrivateCluster pg;
  TestDatabase db(pg.server());
  DaemonOptions options;
  options.webchat_messages_per_second = 1000;  // the customers are the load
  Daemon daemon(db, options);
  daemon.start();
  Client admin(daemon.port());
  must_login(admin, "alice", "alice-pass");
  require_ack(admin.request(webchat_settings(1, v1::STRATEGY_LONGEST_IDLE)));  // Sales
  Client ana(daemon.port());
  auto lunch = status_id(must_login(ana, "ana", "ana-pass").snapshot(), "Lunch");
  REQUIRE(http_get(daemon.port(), "/readyz").status == 200);

  Sent sent;
  std::atomic<bool> stop{false};
  std::vector<std::thread> customers;
  for (int k = 0; k < 4; ++k) customers.emplace_back(chatty_customer, daemon.port(), 1, k, std::ref(stop), std::ref(sent));
  std::this_thread::sleep_for(1s);

  pg.stop();
  const auto down_at = Clock::now();
  CHECK(readyz_becomes(daemon.port(), 503, 5s));
  // Commands are refused quickly, again and again, for 10 seconds.
  std::chrono::milliseconds slowest{0};
  int unavailable = 0;
  while (Clock::now() - down_at < 10s) {
    const auto t0 = Clock::now();
    auto e = ana.set_status(lunch);
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0));
    if (e.has_error() && e.error().code() == v1::UNAVAILABLE) ++unavailable;
    std::this_thread::sleep_for(200ms);
  }
  CHECK(unavailable >= 30);
  CHECK(slowest < 1000ms);
  {
    Client newcomer(daemon.port());
    CHECK(newcomer.login("bob", "bob-pass").error().code() == v1::UNAVAILABLE);
  }
  {
    WebChatClient newcomer(daemon.port());  // a new customer is told to come back later
    newcomer.send({{"type", "start"}, {"campaign", 1}});
    auto refused = newcomer.next();
    CHECK(refused.at("type").as_string() == "error");
    CHECK(refused.at("code").as_string() == "unavailable");
  }
  CHECK(http_get(daemon.port(), "/healthz").status == 200);  // the process is up all along

  pg.start();
  CHECK(readyz_becomes(daemon.port(), 200, 10s));
  std::this_thread::sleep_for(1500ms);  // customers write again
  stop = true;
  for (auto& t : customers) t.join();
  require_ack(ana.set_status(lunch));  // the same connection, served again
  Client newcomer(daemon.port());
  must_login(newcomer, "bob", "bob-pass");

  std::lock_guard lock(sent.mu);
  INFO(sent.acked.size() << " acknowledged customer messages, " << sent.refused << " refused");
  CHECK(sent.acked.size() > 40);
  for (const auto& [id, text] : sent.acked) {
    INFO("message " << id << ": " << text);
    CHECK(db.query("SELECT body FROM messages WHERE id = " + std::to_string(id)) == text);
  }
  CHECK(db.query("SELECT count(*) FROM (SELECT body FROM messages GROUP BY body HAVING count(*) > 1) d") == "0");
}
