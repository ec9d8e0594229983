// WebChat customers need no login: their pace is limited per connection and
// per source address, bad frames get typed errors, and a conversation whose
// customer left before any agent took it is abandoned (R-IN-6).
#include <string>

#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::uint64_t sales_of(Client& admin) {
  const auto login = must_login(admin, "alice", "alice-pass");
  for (const auto& c : login.snapshot().campaigns())
    if (c.name() == "Sales") return c.id();
  FAIL("no Sales campaign");
  return 0;
}

// "started" (its interaction id) or the error code, as text.
std::string try_start(std::uint16_t port, std::uint64_t campaign, const std::string& from) {
  WebChatClient customer(port, from);
  customer.send({{"type", "start"}, {"campaign", campaign}});
  auto reply = customer.next();
  if (reply.at("type").as_string() == "started") return "started";
  return std::string(reply.at("code").as_string());
}

}  // namespace

TEST_CASE("R-SEC a WebChat message flood from one socket is refused with typed errors and only the allowed "
          "messages are stored") {
  World w;
  Client admin(w.port());
  const auto sales = sales_of(admin);
  require_ack(admin.request(webchat_settings(sales, v1::STRATEGY_MANUAL)));
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", sales}});
  const auto interaction = customer.next().at("interaction").as_int64();

  constexpr int kFlood = 200;
  for (int n = 0; n < kFlood; ++n) customer.send({{"type", "message"}, {"text", "spam " + std::to_string(n)}});
  int sent = 0, limited = 0;
  for (int n = 0; n < kFlood; ++n) {  // one answer per frame
    json::object reply;
    REQUIRE(customer.try_next(reply, 5s));
    if (reply.at("type").as_string() == "sent") {
      ++sent;
    } else {
      INFO(json::serialize(reply));
      REQUIRE(reply.at("type").as_string() == "error");
      REQUIRE(reply.at("code").as_string() == "rate_limited");
      ++limited;
    }
  }
  // A burst of 10, then 2 a second while the flood lasted.
  CHECK(sent >= 10);
  CHECK(sent <= 16);
  CHECK(sent + limited == kFlood);
  CHECK(w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction)) ==
        std::to_string(sent));
}

TEST_CASE("R-SEC WebChat conversations are limited per source address and per connection while another "
          "address still starts") {
  World w;
  Client admin(w.port());
  const auto sales = sales_of(admin);
  require_ack(admin.request(webchat_settings(sales, v1::STRATEGY_MANUAL)));

  // One address: 30 conversations a minute, then rate_limited and nothing stored.
  int started = 0, limited = 0;
  for (int n = 0; n < 40; ++n) {
    const auto result = try_start(w.port(), sales, "127.0.0.1");
    if (result == "started") ++started;
    else if (result == "rate_limited") ++limited;
    else FAIL("unexpected answer " << result);
  }
  CHECK(started == 30);
  CHECK(limited == 10);
  CHECK(w.db.query("SELECT count(*) FROM interactions WHERE channel = 'webchat'") == "30");

  // Another address is not held back by the first.
  CHECK(try_start(w.port(), sales, "127.0.0.2") == "started");

  // One connection: 6 starts a minute, however it leaves in between.
  WebChatClient looping(w.port(), "127.0.0.3");
  for (int n = 0; n < 6; ++n) {
    looping.send({{"type", "start"}, {"campaign", sales}});
    REQUIRE(looping.next().at("type").as_string() == "started");
    looping.send({{"type", "leave"}});
    REQUIRE(looping.next().at("type").as_string() == "ended");
  }
  looping.send({{"type", "start"}, {"campaign", sales}});
  auto refused = looping.next();
  CHECK(refused.at("type").as_string() == "error");
  CHECK(refused.at("code").as_string() == "rate_limited");
  CHECK(w.db.query("SELECT count(*) FROM interactions WHERE channel = 'webchat'") == "37");
}

TEST_CASE("R-SEC WebChat frames that are not one JSON object or carry oversized fields get typed errors") {
  World w;
  Client admin(w.port());
  const auto sales = sales_of(admin);
  require_ack(admin.request(webchat_settings(sales, v1::STRATEGY_MANUAL)));
  WebChatClient customer(w.port());
  for (const std::string bad : {"[1,2]", "\"start\"", "42", "null", "{\"type\":", "{}", "{\"type\":7}"}) {
    customer.send_raw(bad);
    auto reply = customer.next();
    INFO(bad);
    CHECK(reply.at("type").as_string() == "error");
    CHECK(reply.at("code").as_string() == "malformed");
  }
  customer.send({{"type", "start"}, {"campaign", "Sales"}});
  CHECK(customer.next().at("code").as_string() == "invalid_argument");
  customer.send({{"type", "resume"}, {"token", std::string(129, 'a')}});
  CHECK(customer.next().at("code").as_string() == "invalid_argument");
  customer.send({{"type", "start"}, {"campaign", sales}});
  REQUIRE(customer.next().at("type").as_string() == "started");
  customer.send({{"type", "message"}, {"text", "hello"}, {"ref", std::string(65, 'r')}});
  CHECK(customer.next().at("code").as_string() == "invalid_argument");
  customer.send({{"type", "message"}, {"text", json::array{1}}});
  CHECK(customer.next().at("code").as_string() == "invalid_argument");
  CHECK(w.db.query("SELECT count(*) FROM messages") == "0");
}

TEST_CASE("R-IN-6 a WebChat customer who leaves before any agent took the conversation abandons it: it leaves "
          "the agents' Pending tab and the history shows it abandoned") {
  DaemonOptions options;
  options.webchat_resume_seconds = 2;  // and the abandonment grace with it
  World w(options);
  Client admin(w.port());
  const auto sales = sales_of(admin);
  require_ack(admin.request(webchat_settings(sales, v1::STRATEGY_MANUAL)));
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");

  // Gone without a word: abandoned once the grace has passed.
  std::int64_t dropped = 0;
  {
    WebChatClient customer(w.port());
    customer.send({{"type", "start"}, {"campaign", sales}});
    dropped = customer.next().at("interaction").as_int64();
    CHECK(next_of(ana, v1::Event::kInteractionOpened).interaction_opened().interaction_id() ==
          static_cast<std::uint64_t>(dropped));
  }
  auto abandoned = next_of(ana, v1::Event::kInteractionAbandoned, 5s).interaction_abandoned();
  CHECK(abandoned.interaction_id() == static_cast<std::uint64_t>(dropped));
  CHECK(abandoned.campaign_id() == sales);

  // Says goodbye: abandoned at once.
  WebChatClient leaving(w.port());
  leaving.send({{"type", "start"}, {"campaign", sales}});
  const auto left = leaving.next().at("interaction").as_int64();
  leaving.send({{"type", "leave"}});
  CHECK(leaving.next().at("type").as_string() == "ended");
  CHECK(next_of(ana, v1::Event::kInteractionAbandoned).interaction_abandoned().interaction_id() ==
        static_cast<std::uint64_t>(left));

  auto snapshot = ana.snapshot();
  REQUIRE(snapshot.response().has_snapshot());
  CHECK(snapshot.response().snapshot().pending_total() == 0);
  for (auto id : {dropped, left})
    CHECK(w.db.query("SELECT state || ' ' || outcome FROM interactions WHERE id = " + std::to_string(id)) ==
          "closed abandoned");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'interaction_abandoned'") == "2");
}
