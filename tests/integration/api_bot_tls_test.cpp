#include "harness/test_bot.h"
#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
using Catch::Matchers::Contains;

namespace {

// A daemon that also trusts `certs`' CA for bots.
DaemonOptions trusting(const TestCertificates& certs) {
  DaemonOptions o;
  o.env = {{"CONTACTD_BOT_CA_FILE", certs.ca_file()}};
  return o;
}

// A WebChat campaign with Sally, served by `bot` (2 s timeout), and ana online.
struct TlsBotWorld {
  World w;
  Client admin{w.port()};
  Client ana{w.port()};
  std::uint64_t campaign{};
  std::uint64_t ana_id{};
  std::uint64_t lunch{};  // a status id

  TlsBotWorld(const TestBot& bot, DaemonOptions options) : w(std::move(options)) {
    auto snap = must_login(admin, "alice", "alice-pass").snapshot();
    for (const auto& u : snap.overseen())
      if (u.login() == "ana") ana_id = u.id();
    lunch = status_id(snap, "Lunch");
    v1::Command c;
    c.mutable_create_campaign()->set_name("Bot desk");
    auto* s = c.mutable_create_campaign()->mutable_settings();
    s->set_strategy(v1::STRATEGY_LONGEST_IDLE);
    auto* ch = s->add_channels();
    ch->set_channel(v1::CHANNEL_WEBCHAT);
    ch->set_enabled(true);
    ch->set_provider(v1::PROVIDER_BUILTIN);
    s->mutable_bot()->set_name("Sally");
    s->mutable_bot()->set_url(bot.url());
    s->mutable_bot()->set_timeout_ms(2000);
    campaign = created_id(admin.request(c));
    join(admin, ana_id, campaign);
    must_login(ana, "ana", "ana-pass");
  }

  std::string state(std::uint64_t id) {
    return w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(id));
  }
};

// With ana at lunch, a customer starts a chat that the bot cannot answer:
// the customer waits in the queue (a handoff, not a timeout) and reaches ana
// once she is back. Returns the daemon's log.
std::string expect_handoff_by_failure(TlsBotWorld& b, const TestBot& bot) {
  require_ack(b.ana.set_status(b.lunch));
  WebChatClient customer(b.w.port());
  customer.send({{"type", "start"}, {"campaign", b.campaign}});
  const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  auto queued = next_of(b.ana, v1::Event::kInteractionQueued).interaction_queued();
  CHECK(queued.interaction_id() == id);
  CHECK(queued.reason() == v1::QUEUE_REASON_BOT_HANDOFF);
  CHECK(b.state(id) == "pending");
  CHECK(bot.requests() == 0);  // no request crossed the failed handshake

  require_ack(b.ana.clear_status());
  auto assigned = next_of(b.ana, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.interaction_id() == id);
  CHECK(assigned.agent_id() == b.ana_id);
  customer.send({{"type", "message"}, {"text", "hello, anyone?"}});
  auto posted = next_of(b.ana, v1::Event::kMessagePosted).message_posted();
  CHECK(posted.text() == "hello, anyone?");
  CHECK(posted.sender() == v1::SENDER_CUSTOMER);
  CHECK(b.state(id) == "active");
  return b.w.daemon.log();
}

}  // namespace

TEST_CASE("R-IN-1 a bot over https (trusted CA) greets the customer and hands off") {
  TestCertificates certs;
  TestBot bot(certs);
  TlsBotWorld b(bot, trusting(certs));
  CHECK_THAT(b.w.daemon.log(), Contains("also trusting the CAs in " + certs.ca_file()));

  WebChatClient customer(b.w.port());
  customer.send({{"type", "start"}, {"campaign", b.campaign}});
  const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  auto greeting = customer.next();
  CHECK(greeting.at("from").as_string() == "bot");
  CHECK(greeting.at("name").as_string() == "Sally");
  CHECK(greeting.at("text").as_string() == "Hi, I am Sally. Ask me anything, or ask for an agent.");
  CHECK(b.state(id) == "bot");

  customer.send({{"type", "message"}, {"text", "what are your hours?"}});
  CHECK(customer.next().at("text").as_string() == "You said: what are your hours?");
  customer.send({{"type", "message"}, {"text", "I want an agent"}});
  CHECK(customer.next().at("text").as_string() == "Passing you to an agent.");
  auto queued = next_of(b.ana, v1::Event::kInteractionQueued).interaction_queued();
  CHECK(queued.interaction_id() == id);
  CHECK(queued.reason() == v1::QUEUE_REASON_BOT_HANDOFF);
  auto assigned = next_of(b.ana, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.agent_id() == b.ana_id);
  CHECK(bot.requests() == 3);
  CHECK(b.w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(id) +
                     " AND sender = 'bot' AND author_name = 'Sally'") == "3");
}

TEST_CASE("R-IN-1 a bot over https with an untrusted certificate hands the customer to the queue") {
  TestCertificates certs;
  TestBot bot(certs);
  TlsBotWorld b(bot, DaemonOptions{});  // the daemon does not know the test CA
  const auto log = expect_handoff_by_failure(b, bot);
  CHECK_THAT(
      log, Contains("TLS handshake") && Contains("certificate verify failed") && Contains("handing off to the queue"));
}

TEST_CASE("R-IN-1 a bot over https whose certificate names another host hands the customer to the queue") {
  TestCertificates certs("DNS:bot.example");  // trusted, but not for 127.0.0.1
  TestBot bot(certs);
  TlsBotWorld b(bot, trusting(certs));
  const auto log = expect_handoff_by_failure(b, bot);
  CHECK_THAT(log, Contains("TLS handshake") && Contains("IP address mismatch"));
}
