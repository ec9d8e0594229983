#include "harness/test_bot.h"
#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
namespace json = boost::json;

namespace {

v1::Command webchat_campaign(const std::string& name, v1::Strategy strategy) {
  v1::Command c;
  c.mutable_create_campaign()->set_name(name);
  auto* s = c.mutable_create_campaign()->mutable_settings();
  s->set_strategy(strategy);
  auto* webchat = s->add_channels();
  webchat->set_channel(v1::CHANNEL_WEBCHAT);
  webchat->set_enabled(true);
  webchat->set_provider(v1::PROVIDER_BUILTIN);
  s->set_transfer_timeout_ms(5000);  // the minimum: the test waits for the real timer
  return c;
}

v1::Command interaction_command(std::uint64_t id, const std::string& kind) {
  v1::Command c;
  if (kind == "take") c.mutable_take()->set_interaction_id(id);
  if (kind == "finish") c.mutable_finish()->set_interaction_id(id);
  if (kind == "close") c.mutable_close_interaction()->set_interaction_id(id);
  return c;
}

}  // namespace

TEST_CASE("R-IN-1 R-IN-3 R-MSG-1 R-TR-4 R-DISP-1 R-SUP-2 end to end: WebChat customer, bot, handoff, "
          "auto-assignment, messages, transfer timeout, finish, 3-level disposition with required comment, "
          "save-and-close, history") {
  TestBot bot;
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  auto web_cmd = webchat_campaign("Web", v1::STRATEGY_LONGEST_IDLE);
  auto* s = web_cmd.mutable_create_campaign()->mutable_settings();
  s->set_comment_required(true);
  s->mutable_bot()->set_name("Sally");
  s->mutable_bot()->set_url("http://127.0.0.1:" + std::to_string(bot.port()) + "/bot");
  s->mutable_bot()->set_timeout_ms(2000);
  auto* sale = s->add_dispositions();
  sale->set_id(1);
  sale->set_label("Sale");
  sale->set_type(v1::DISPOSITION_TYPE_NORMAL);
  auto* paid = sale->add_children();
  paid->set_id(2);
  paid->set_label("Paid");
  paid->set_type(v1::DISPOSITION_TYPE_NORMAL);
  auto* card = paid->add_children();
  card->set_id(3);
  card->set_label("Card");
  card->set_type(v1::DISPOSITION_TYPE_NORMAL);
  const auto web = created_id(admin.request(web_cmd));
  const auto backoffice = created_id(admin.request(webchat_campaign("Backoffice", v1::STRATEGY_MANUAL)));
  std::uint64_t ana_id = 0, carla_id = 0;
  for (const auto& u : admin_snap.overseen()) {
    if (u.login() == "ana") ana_id = u.id();
    if (u.login() == "carla") carla_id = u.id();
  }
  join(admin, ana_id, web);
  join(admin, carla_id, backoffice);  // carla stays offline: nobody takes the transfer

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");

  // A customer opens a chat: the bot greets; asked for an agent, it hands
  // off; the queue assigns the only eligible agent (longest idle).
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", web}});
  auto started = customer.next();
  REQUIRE(started.at("type").as_string() == "started");
  const auto interaction = static_cast<std::uint64_t>(started.at("interaction").as_int64());
  CHECK(customer.next().at("name").as_string() == "Sally");
  customer.send({{"type", "message"}, {"text", "I need an agent"}});
  CHECK(customer.next().at("text").as_string() == "Passing you to an agent.");
  CHECK(next_of(ana, v1::Event::kInteractionQueued).interaction_queued().reason() == v1::QUEUE_REASON_BOT_HANDOFF);
  auto assigned = next_of(ana, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.interaction_id() == interaction);
  CHECK(assigned.agent_id() == ana_id);
  CHECK(assigned.how() == v1::ASSIGN_HOW_AUTOMATIC);
  CHECK(assigned.strategy() == v1::STRATEGY_LONGEST_IDLE);
  CHECK(assigned.candidates() == 1);

  // Messages both ways.
  customer.send({{"type", "message"}, {"text", "Hello, I want to buy"}});
  auto from_customer = next_of(ana, v1::Event::kMessagePosted).message_posted();
  CHECK(from_customer.text() == "Hello, I want to buy");
  CHECK(from_customer.sender() == v1::SENDER_CUSTOMER);
  v1::Command say;
  say.mutable_send_message()->set_interaction_id(interaction);
  say.mutable_send_message()->set_text("Sure! 😀");
  created_id(ana.request(say));
  auto to_customer = customer.next();
  CHECK(to_customer.at("type").as_string() == "message");
  CHECK(to_customer.at("from").as_string() == "agent");
  CHECK(to_customer.at("name").as_string() == "Ana Agent");
  CHECK(to_customer.at("text").as_string() == "Sure! 😀");

  // R-TR-3: targets with availability; carla (Backoffice) is offline.
  v1::Command targets;
  targets.mutable_list_transfer_targets()->set_interaction_id(interaction);
  auto listed = ana.request(targets);
  REQUIRE(listed.response().has_transfer_targets());
  const auto& t = listed.response().transfer_targets();
  REQUIRE(t.campaigns_size() == 2);
  CHECK(t.campaigns(0).inside_hours());
  CHECK(t.campaigns(0).agents_size() == 0);  // Web: only ana, the caller
  REQUIRE(t.campaigns(1).agents_size() == 1);
  CHECK(t.campaigns(1).agents(0).id() == carla_id);
  CHECK_FALSE(t.campaigns(1).agents(0).available());

  // Transfer to a campaign where nobody takes it: back to ana after the timeout.
  v1::Command transfer;
  transfer.mutable_transfer()->set_interaction_id(interaction);
  transfer.mutable_transfer()->set_to_campaign(backoffice);
  require_ack(ana.request(transfer));
  auto timed_out = next_of(ana, v1::Event::kTransferTimedOut, std::chrono::seconds(8)).transfer_timed_out();
  CHECK(timed_out.returned_to() == ana_id);
  auto back = next_of(ana, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(back.how() == v1::ASSIGN_HOW_RETURNED);
  CHECK(back.campaign_id() == web);

  // Close is refused before a disposition; finish tells the customer.
  require_ack(ana.request(interaction_command(interaction, "finish")));
  CHECK(customer.next().at("type").as_string() == "ended");
  CHECK(error_of(ana.request(interaction_command(interaction, "close"))) == v1::FAILED_PRECONDITION);
  v1::Command dispose;
  auto* d = dispose.mutable_save_disposition();
  d->set_interaction_id(interaction);
  d->add_path(1);
  d->add_path(2);
  d->add_path(3);
  d->set_close(true);
  CHECK(error_of(ana.request(dispose)) == v1::INVALID_ARGUMENT);  // the comment is required
  d->set_comment("Paid by card");
  require_ack(ana.request(dispose));

  CHECK(w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(interaction)) == "closed");
  CHECK(w.db.query("SELECT disposition->>'comment' FROM interactions WHERE id = " + std::to_string(interaction)) ==
        "Paid by card");
  CHECK(w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction)) == "5");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'transfer_timed_out'") == "1");

  // R-SUP-2: found in history, with its whole timeline.
  v1::Command search;
  search.mutable_search_history()->set_campaign_id(web);
  search.mutable_search_history()->set_disposition_id(2);  // "Paid", in the middle of the path
  auto page = admin.request(search);
  REQUIRE(page.response().has_history_page());
  REQUIRE(page.response().history_page().items_size() == 1);
  const auto& found = page.response().history_page().items(0);
  CHECK(found.id() == interaction);
  CHECK(found.owner_id() == ana_id);
  CHECK(found.disposition().comment() == "Paid by card");
  CHECK(page.response().history_page().next_cursor().empty());
  v1::Command detail;
  detail.mutable_get_interaction_detail()->set_interaction_id(interaction);
  auto d2 = admin.request(detail);
  REQUIRE(d2.response().has_interaction_detail());
  std::vector<v1::Event::KindCase> kinds;
  for (const auto& e : d2.response().interaction_detail().timeline()) kinds.push_back(e.kind_case());
  using K = v1::Event;
  CHECK(kinds == std::vector<v1::Event::KindCase>{
                     K::kInteractionOpened, K::kBotDeadlineSet,                               // with the bot
                     K::kMessagePosted, K::kBotDeadlineSet,                                   // greeting
                     K::kMessagePosted, K::kBotDeadlineSet,                                   // "I need an agent"
                     K::kMessagePosted, K::kBotDeadlineSet, K::kInteractionQueued,            // handoff
                     K::kInteractionAssigned,                                                 // longest idle
                     K::kMessagePosted, K::kMessagePosted,                                    // both ways
                     K::kTransferRequested, K::kInteractionQueued, K::kTransferTimedOut,      // R-TR-4
                     K::kInteractionAssigned, K::kInteractionFinished, K::kDispositionSaved,  // back, done
                     K::kInteractionClosed});
  CHECK(d2.response().interaction_detail().timeline(9).interaction_assigned().strategy() ==
        v1::STRATEGY_LONGEST_IDLE);
  // Visibility: the owner sees it; another agent and a supervisor of other campaigns do not.
  CHECK(ana.request(detail).response().has_interaction_detail());
  Client bob(w.port());
  must_login(bob, "bob", "bob-pass");
  CHECK(error_of(bob.request(detail)) == v1::NOT_FOUND);
  CHECK(bob.request(search).response().history_page().items_size() == 0);
  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");
  CHECK(error_of(sam.request(detail)) == v1::NOT_FOUND);
  v1::Command bad_cursor = search;
  bad_cursor.mutable_search_history()->set_cursor("garbage");
  CHECK(error_of(admin.request(bad_cursor)) == v1::INVALID_ARGUMENT);
}

TEST_CASE("R-IN-2 two agents take the same interaction at once: exactly one wins, the other gets a clear error") {
  World w;
  Client admin(w.port());
  auto snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto desk = created_id(admin.request(webchat_campaign("Desk", v1::STRATEGY_MANUAL)));
  std::uint64_t ana_id = 0, bob_id = 0;
  for (const auto& u : snap.overseen()) {
    if (u.login() == "ana") ana_id = u.id();
    if (u.login() == "bob") bob_id = u.id();
  }
  join(admin, ana_id, desk);
  join(admin, bob_id, desk);
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  Client bob(w.port());
  must_login(bob, "bob", "bob-pass");
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", desk}});
  const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());

  // Both send before either reads an answer.
  const auto ana_request = ana.send(interaction_command(id, "take"));
  const auto bob_request = bob.send(interaction_command(id, "take"));
  auto answer = [](Client& c, std::uint64_t request) {
    for (;;) {
      auto e = c.next_frame();
      if (e.request_id() == request) return e;
    }
  };
  auto a = answer(ana, ana_request);
  auto b = answer(bob, bob_request);
  const bool ana_won = a.has_response();
  CHECK(ana_won != b.has_response());
  const auto& loser = ana_won ? b : a;
  CHECK(loser.error().code() == v1::FAILED_PRECONDITION);
  CHECK(loser.error().message() == "already taken by another agent");
  CHECK(w.db.query("SELECT owner_id FROM interactions WHERE id = " + std::to_string(id)) ==
        std::to_string(ana_won ? ana_id : bob_id));
}

TEST_CASE("WebChat bad input: malformed frames and unknown campaigns get typed errors, nothing is created") {
  World w;
  WebChatClient customer(w.port());
  customer.send_raw("not json");
  CHECK(customer.next().at("code").as_string() == "malformed");
  customer.send_raw("[1,2]");
  CHECK(customer.next().at("code").as_string() == "malformed");
  customer.send({{"type", "dance"}});
  CHECK(customer.next().at("code").as_string() == "malformed");
  customer.send({{"type", "start"}, {"campaign", "one"}});
  CHECK(customer.next().at("code").as_string() == "invalid_argument");
  customer.send({{"type", "start"}, {"campaign", 999}});
  CHECK(customer.next().at("code").as_string() == "not_found");
  customer.send({{"type", "message"}, {"text", "anyone?"}});
  CHECK(customer.next().at("code").as_string() == "failed_precondition");
  // Sales exists (seeded) but has no WebChat channel enabled.
  customer.send({{"type", "start"}, {"campaign", 1}});
  CHECK(customer.next().at("code").as_string() == "failed_precondition");
  CHECK(w.db.query("SELECT count(*) FROM interactions") == "0");
}

TEST_CASE("R-SUP-2 history pages: newest first, a cursor for the next page, filters by customer") {
  World w;
  Client admin(w.port());
  auto snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto desk = created_id(admin.request(webchat_campaign("Desk", v1::STRATEGY_MANUAL)));
  std::uint64_t ana_id = 0;
  for (const auto& u : snap.overseen())
    if (u.login() == "ana") ana_id = u.id();
  join(admin, ana_id, desk);
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  std::vector<std::uint64_t> closed;
  for (int n = 0; n < 3; ++n) {
    WebChatClient customer(w.port());
    customer.send({{"type", "start"}, {"campaign", desk}});
    const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
    require_ack(ana.request(interaction_command(id, "take")));
    require_ack(ana.request(interaction_command(id, "finish")));
    require_ack(ana.request(interaction_command(id, "close")));
    closed.push_back(id);
  }
  v1::Command search;
  search.mutable_search_history()->set_campaign_id(desk);
  search.mutable_search_history()->set_page_size(2);
  auto first = admin.request(search).response().history_page();
  REQUIRE(first.items_size() == 2);
  CHECK(first.items(0).id() == closed[2]);  // most recently closed first
  CHECK(first.items(1).id() == closed[1]);
  REQUIRE_FALSE(first.next_cursor().empty());
  search.mutable_search_history()->set_cursor(first.next_cursor());
  auto second = admin.request(search).response().history_page();
  REQUIRE(second.items_size() == 1);
  CHECK(second.items(0).id() == closed[0]);
  CHECK(second.next_cursor().empty());

  const auto customer = w.db.query("SELECT customer FROM interactions WHERE id = " + std::to_string(closed[1]));
  v1::Command by_customer;
  by_customer.mutable_search_history()->set_customer(customer.substr(8, 10));  // a piece of the visitor id
  auto matched = admin.request(by_customer).response().history_page();
  REQUIRE(matched.items_size() == 1);
  CHECK(matched.items(0).id() == closed[1]);
}

TEST_CASE("R-TR-1 R-TR-3 forbidden transfer targets are refused through the API and change nothing") {
  World w;
  Client admin(w.port());
  auto snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto desk = created_id(admin.request(webchat_campaign("Desk", v1::STRATEGY_MANUAL)));
  const auto other = created_id(admin.request(webchat_campaign("Other", v1::STRATEGY_MANUAL)));
  v1::Command sms_only;
  sms_only.mutable_create_campaign()->set_name("Texts");
  sms_only.mutable_create_campaign()->mutable_settings()->set_strategy(v1::STRATEGY_MANUAL);
  auto* sms = sms_only.mutable_create_campaign()->mutable_settings()->add_channels();
  sms->set_channel(v1::CHANNEL_SMS);
  sms->set_enabled(true);
  sms->set_provider(v1::PROVIDER_SMS_GATEWAY);
  const auto texts = created_id(admin.request(sms_only));
  std::uint64_t ana_id = 0, bob_id = 0, carla_id = 0;
  for (const auto& u : snap.overseen()) {
    if (u.login() == "ana") ana_id = u.id();
    if (u.login() == "bob") bob_id = u.id();
    if (u.login() == "carla") carla_id = u.id();
  }
  join(admin, ana_id, desk);
  join(admin, bob_id, other);   // a WebChat campaign, but bob stays offline
  join(admin, carla_id, texts);  // connected, but no campaign with WebChat
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  Client carla(w.port());
  must_login(carla, "carla", "carla-pass");
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", desk}});
  const auto id = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  require_ack(ana.request(interaction_command(id, "take")));
  const auto journal = w.db.query("SELECT max(seq) FROM journal");

  auto transfer = [&](std::uint64_t agent, std::uint64_t campaign) {
    v1::Command c;
    c.mutable_transfer()->set_interaction_id(id);
    c.mutable_transfer()->set_to_agent(agent);
    c.mutable_transfer()->set_to_campaign(campaign);
    auto e = ana.request(c);
    INFO(e.DebugString());
    REQUIRE(e.has_error());
    return e.error().code();
  };
  CHECK(transfer(bob_id, 0) == v1::FAILED_PRECONDITION);    // R-TR-3: not connected
  CHECK(transfer(carla_id, 0) == v1::FAILED_PRECONDITION);  // R-TR-1: no campaign with this channel
  CHECK(transfer(0, texts) == v1::FAILED_PRECONDITION);     // R-TR-1: campaign without WebChat
  CHECK(transfer(0, 9999) == v1::NOT_FOUND);
  CHECK(transfer(9999, 0) == v1::NOT_FOUND);
  CHECK(transfer(bob_id, other) == v1::INVALID_ARGUMENT);   // both at once
  CHECK(w.db.query("SELECT max(seq) FROM journal") == journal);  // nothing happened
  CHECK(w.db.query("SELECT owner_id || ' ' || (transfer IS NULL) FROM interactions WHERE id = " + std::to_string(id)) ==
        std::to_string(ana_id) + " true");
}
