#include "harness/test_bot.h"
#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
namespace json = boost::json;

namespace {

// A WebChat campaign with Sally, the test bot, in front (1 s timeout), and ana online.
struct BotWorld {
  TestBot bot;
  World w;
  Client admin{w.port()};
  Client ana{w.port()};
  std::uint64_t campaign{};
  std::uint64_t ana_id{};

  BotWorld() {
    auto snap = must_login(admin, "alice", "alice-pass").snapshot();
    for (const auto& u : snap.overseen())
      if (u.login() == "ana") ana_id = u.id();
    v1::Command c;
    c.mutable_create_campaign()->set_name("Bot desk");
    auto* s = c.mutable_create_campaign()->mutable_settings();
    s->set_strategy(v1::STRATEGY_LONGEST_IDLE);
    auto* ch = s->add_channels();
    ch->set_channel(v1::CHANNEL_WEBCHAT);
    ch->set_enabled(true);
    ch->set_provider(v1::PROVIDER_BUILTIN);
    s->mutable_bot()->set_name("Sally");
    s->mutable_bot()->set_url("http://127.0.0.1:" + std::to_string(bot.port()) + "/bot");
    s->mutable_bot()->set_timeout_ms(1000);
    campaign = created_id(admin.request(c));
    join(admin, ana_id, campaign);
    must_login(ana, "ana", "ana-pass");
  }

  std::string state(std::uint64_t id) {
    return w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(id));
  }
};

}  // namespace

TEST_CASE("R-IN-1 the bot greets, answers, and hands off to the queue, where an agent is assigned") {
  BotWorld b;
  WebChatClient customer(b.w.port());
  customer.send({{"type", "start"}, {"campaign", b.campaign}});
  const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  auto greeting = customer.next();
  CHECK(greeting.at("from").as_string() == "bot");
  CHECK(greeting.at("name").as_string() == "Sally");
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
  CHECK(b.bot.requests() == 3);
  CHECK(b.w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(id) +
                     " AND sender = 'bot' AND author_name = 'Sally'") == "3");
}

TEST_CASE("R-IN-1 a bot too slow or answering garbage never loses the customer: the queue takes over") {
  BotWorld b;
  WebChatClient slow(b.w.port());
  slow.send({{"type", "start"}, {"campaign", b.campaign}});
  const auto slow_id = static_cast<std::uint64_t>(slow.next().at("interaction").as_int64());
  slow.next();  // greeting
  slow.send({{"type", "message"}, {"text", "be slow please"}});
  auto timed_out = next_of(b.ana, v1::Event::kInteractionQueued).interaction_queued();  // after the 1 s timeout
  CHECK(timed_out.interaction_id() == slow_id);
  // The engine's bot deadline and the adapter's HTTP timeout are both 1 s:
  // on a loaded machine either may fire first. Both hand the customer over.
  CHECK((timed_out.reason() == v1::QUEUE_REASON_BOT_TIMEOUT || timed_out.reason() == v1::QUEUE_REASON_BOT_HANDOFF));
  CHECK(next_of(b.ana, v1::Event::kInteractionAssigned).interaction_assigned().interaction_id() == slow_id);

  WebChatClient confused(b.w.port());
  confused.send({{"type", "start"}, {"campaign", b.campaign}});
  const auto confused_id = static_cast<std::uint64_t>(confused.next().at("interaction").as_int64());
  confused.next();  // greeting
  confused.send({{"type", "message"}, {"text", "send garbage"}});
  auto handed = next_of(b.ana, v1::Event::kInteractionQueued).interaction_queued();
  CHECK(handed.interaction_id() == confused_id);
  CHECK(handed.reason() == v1::QUEUE_REASON_BOT_HANDOFF);
  // The slow bot's late answer changed nothing: the first customer stays with ana.
  CHECK(b.state(slow_id) == "active");
}
