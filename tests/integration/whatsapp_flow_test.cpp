// WhatsApp through Meta's Cloud API, end to end (issue 12): the real daemon
// and PostgreSQL, the fake Graph API on loopback (tests/integration/harness/
// fake_meta.h) receiving sends and posting signed webhooks in Meta's shapes.
#include <boost/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "harness/fake_meta.h"
#include "harness/http_call.h"
#include "harness/test_bot.h"
#include "provider_accounts.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string kCustomer = "5511999990001";

// A 1x1 PNG.
const std::string kPng = std::string("\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82", 70);
// The start of a JPEG (the store sniffs the first bytes).
const std::string kJpeg = std::string("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 20) + std::string(2000, 'x');

struct WhatsAppWorld {
  World w;
  FakeMeta meta;
  Client admin{w.port()};
  std::uint64_t sales{0}, account{0};
  std::string admin_token;

  explicit WhatsAppWorld(DaemonOptions options = {}) : w(options) {
    auto login = must_login(admin, "alice", "alice-pass");
    admin_token = login.token();
    for (const auto& c : login.snapshot().campaigns())
      if (c.name() == "Sales") sales = c.id();
    account = save_account(meta.base_url());
    v1::Command t;
    t.mutable_save_template()->set_account_id(account);
    auto* d = t.mutable_save_template()->mutable_definition();
    d->set_name("order_update");
    d->set_language("en_US");
    d->set_category("utility");
    d->set_body("Hi {{1}}, your order {{2}} has shipped.");
    require_ack(admin.request(t));
    auto settings = whatsapp_settings(sales, v1::PROVIDER_META, account);
    auto* resolved = settings.mutable_update_campaign()->mutable_settings()->add_dispositions();
    resolved->set_id(1);
    resolved->set_label("Resolved");
    resolved->set_type(v1::DISPOSITION_TYPE_NORMAL);
    require_ack(admin.request(settings));
    // Ana may start WhatsApp conversations in Sales (R-OUT-1).
    for (const auto& u : login.snapshot().overseen())
      if (u.login() == "ana") {
        v1::Command member;
        member.mutable_set_membership()->set_user_id(u.id());
        member.mutable_set_membership()->set_campaign_id(sales);
        member.mutable_set_membership()->set_member(true);
        member.mutable_set_membership()->add_outbound(v1::CHANNEL_WHATSAPP);
        require_ack(admin.request(member));
      }
  }

  // Puts `bot` in front of Sales (as the constructor's settings, plus the bot).
  void use_bot(const TestBot& bot) {
    auto settings = whatsapp_settings(sales, v1::PROVIDER_META, account);
    auto* s = settings.mutable_update_campaign()->mutable_settings();
    auto* resolved = s->add_dispositions();
    resolved->set_id(1);
    resolved->set_label("Resolved");
    resolved->set_type(v1::DISPOSITION_TYPE_NORMAL);
    s->mutable_bot()->set_name("Sally");
    s->mutable_bot()->set_url(bot.url());
    s->mutable_bot()->set_timeout_ms(5000);
    require_ack(admin.request(settings));
  }

  std::uint64_t save_account(const std::string& base_url, std::uint64_t id = 0) {
    return save_meta_account(admin, meta, base_url, id);
  }

  std::string hook_url() const {
    return "http://127.0.0.1:" + std::to_string(w.port()) + "/hooks/whatsapp/" + std::to_string(account);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(w.port()); }

  int customer_says(const std::string& wamid, const std::string& text, const std::string& quoted = "") {
    json::object m = meta_webhook::text(kCustomer, wamid, text);
    if (!quoted.empty()) m = meta_webhook::reply(m, quoted, meta.account().display_phone_number);
    return meta.post_webhook(hook_url(), meta.webhook({m}, {}, {meta_webhook::contact(kCustomer, "Maria Silva")}));
  }
  int statuses(json::array list) { return meta.post_webhook(hook_url(), meta.webhook({}, std::move(list))); }

  // The sends the fake took so far, waiting until there are `n`.
  std::vector<MetaSend> sends(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    auto s = meta.sends();
    while (s.size() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(20ms);
      s = meta.sends();
    }
    REQUIRE(s.size() >= n);
    return s;
  }
};

v1::Command take(std::uint64_t interaction) {
  v1::Command c;
  c.mutable_take()->set_interaction_id(interaction);
  return c;
}

v1::Command send_text(std::uint64_t interaction, const std::string& text, std::uint64_t reply_to = 0) {
  v1::Command c;
  c.mutable_send_message()->set_interaction_id(interaction);
  c.mutable_send_message()->set_text(text);
  c.mutable_send_message()->set_reply_to_message_id(reply_to);
  return c;
}

// Every message of `interaction`, through get_messages pages of 2 (so the
// cursor is exercised).
std::vector<v1::Message> messages_of(Client& c, std::uint64_t interaction) {
  std::vector<v1::Message> all;
  std::string cursor;
  for (int page = 0; page < 50; ++page) {
    v1::Command q;
    q.mutable_get_messages()->set_interaction_id(interaction);
    q.mutable_get_messages()->set_cursor(cursor);
    q.mutable_get_messages()->set_limit(2);
    auto e = c.request(q);
    INFO(e.DebugString());
    REQUIRE(e.response().has_message_page());
    for (const auto& m : e.response().message_page().messages()) all.push_back(m);
    cursor = e.response().message_page().next_cursor();
    if (cursor.empty()) return all;
  }
  FAIL("get_messages never ended");
  return all;
}

}  // namespace

TEST_CASE("R-IN-1 R-MSG-5 R-MSG-6 a WhatsApp customer's conversation end to end through Meta's Cloud API") {
  WhatsAppWorld t;
  TestBot bot;  // Sally answers first, and hands off when the customer asks for an agent
  t.use_bot(bot);
  Client ana(t.w.port());
  const std::string ana_token = must_login(ana, "ana", "ana-pass").token();

  // A forged webhook stores nothing.
  const std::string forged = t.meta.webhook({meta_webhook::text(kCustomer, "wamid.forged", "hi")});
  CHECK(t.meta.post_webhook(t.hook_url(), forged, FakeMeta::Signing::wrong) == 401);
  CHECK(t.meta.post_webhook(t.hook_url(), forged, FakeMeta::Signing::none) == 401);
  CHECK(t.w.db.query("SELECT count(*) FROM channel_inbox") == "0");
  // Meta's subscription handshake.
  CHECK(t.meta.verify_webhook(t.hook_url(), "1158201444", t.meta.account().verify_token).body == "1158201444");
  CHECK(t.meta.verify_webhook(t.hook_url(), "1158201444", "wrong").status == 403);

  // The customer writes (twice: Meta redelivers); one interaction, one
  // message. The bot answers through WhatsApp and hands off to the queue.
  const std::string hello = "Hello, is my order on its way? I need an agent.";
  REQUIRE(t.customer_says("wamid.c1", hello) == 200);
  REQUIRE(t.customer_says("wamid.c1", hello) == 200);
  auto queued = wait_for(ana, [](const v1::Event& e) { return e.has_interaction_queued(); });
  CHECK(queued.event().interaction_queued().reason() == v1::QUEUE_REASON_BOT_HANDOFF);
  const auto interaction = queued.event().interaction_queued().interaction_id();
  auto sends = t.sends(1);
  CHECK(json_at(sends[0].body, {"text", "body"}) == "Passing you to an agent.");
  CHECK(json_at(sends[0].body, {"to"}) == kCustomer);
  CHECK(bot.requests() == 1);
  eventually(t.w.db, "SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction), "2");
  CHECK(t.w.db.query("SELECT count(*) FROM channel_inbox WHERE processed_at IS NULL") == "0");

  require_ack(ana.request(take(interaction)));
  // Having taken it, she reads what was said before: the customer, then the bot.
  auto before = messages_of(ana, interaction);
  REQUIRE(before.size() == 2);
  CHECK(before[0].text() == hello);
  CHECK(before[0].author_name() == "Maria Silva");
  CHECK(before[0].provider_message_id() == "wamid.c1");
  CHECK(before[1].sender() == v1::SENDER_BOT);
  CHECK(before[1].author_name() == "Sally");
  const auto customer_message = before[0].id();

  // The agent replies quoting the customer's message.
  auto sent = ana.request(send_text(interaction, "Yes! It left this morning.", customer_message));
  const auto reply = created_id(sent);
  sends = t.sends(2);
  const auto& body = sends[1].body;
  CHECK(json_at(body, {"to"}) == kCustomer);
  CHECK(json_at(body, {"type"}) == "text");
  CHECK(json_at(body, {"text", "body"}) == "Yes! It left this morning.");
  CHECK(json_at(body, {"context", "message_id"}) == "wamid.c1");
  CHECK(json_at(body, {"biz_opaque_callback_data"}) == std::to_string(reply));
  const std::string wamid = sends[1].wamid;
  auto sent_state = wait_for(ana, [&](const v1::Event& e) {
    return e.has_message_status_changed() && e.message_status_changed().message_id() == reply;
  });
  CHECK(sent_state.event().message_status_changed().state() == v1::MESSAGE_STATE_SENT);

  // Read arrives before delivered, and a late "sent" after both: the agent sees read.
  REQUIRE(t.statuses({meta_webhook::status(wamid, "read", kCustomer, std::to_string(reply))}) == 200);
  auto read = wait_for(ana, [&](const v1::Event& e) {
    return e.has_message_status_changed() && e.message_status_changed().message_id() == reply;
  });
  CHECK(read.event().message_status_changed().state() == v1::MESSAGE_STATE_READ);
  REQUIRE(t.statuses({meta_webhook::status(wamid, "delivered", kCustomer), meta_webhook::status(wamid, "sent", kCustomer)}) == 200);
  eventually(t.w.db, "SELECT count(*) FROM channel_inbox WHERE processed_at IS NULL", "0");
  CHECK(t.w.db.query("SELECT state FROM messages WHERE id = " + std::to_string(reply)) == "read");

  // The customer replies to the agent's message: linked.
  REQUIRE(t.customer_says("wamid.c2", "Great, thanks!", wamid) == 200);
  auto linked = wait_for(ana, [](const v1::Event& e) { return e.has_message_posted(); });
  CHECK(linked.event().message_posted().reply().message_id() == reply);
  CHECK(linked.event().message_posted().reply().text() == "Yes! It left this morning.");

  // An image comes in: fetched into the media store (after one failed try), served to the agent.
  t.meta.add_media("media-in-1", kJpeg, "image/jpeg");
  t.meta.fail_media_downloads("media-in-1", 1, 503);
  REQUIRE(t.meta.post_webhook(t.hook_url(), t.meta.webhook({meta_webhook::image(kCustomer, "wamid.c3", "media-in-1", "the box")})) == 200);
  auto ready = wait_for(ana, [](const v1::Event& e) {
    return e.has_attachment_updated() && e.attachment_updated().attachment().state() == v1::ATTACHMENT_STATE_READY;
  }, 30s);
  const std::string in_id = ready.event().attachment_updated().attachment().reference();
  HttpCallOptions auth;
  auth.headers = {{"Authorization", "Bearer " + ana_token}};
  auto download = http_call("GET", t.base() + "/v1/attachments/" + in_id, auth);
  CHECK(download.status == 200);
  CHECK(download.body == kJpeg);
  // Someone who may not see the interaction gets nothing.
  Client carla(t.w.port());
  HttpCallOptions other;
  other.headers = {{"Authorization", "Bearer " + must_login(carla, "carla", "carla-pass").token()}};
  CHECK(http_call("GET", t.base() + "/v1/attachments/" + in_id, other).status == 404);

  // An image goes out: uploaded (its content checked), then sent by Meta media id.
  HttpCallOptions upload = auth;
  upload.body = kPng;
  upload.headers.push_back({"Content-Type", "image/png"});
  auto wrong = http_call("POST", t.base() + "/v1/attachments?filename=photo.jpg&interaction=" + std::to_string(interaction), upload);
  CHECK(wrong.status == 415);
  auto stored = http_call("POST", t.base() + "/v1/attachments?filename=photo.png&interaction=" + std::to_string(interaction), upload);
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  const std::string out_id = json_at(json::parse(stored.body), {"id"});
  v1::Command with_image = send_text(interaction, "Here is the receipt");
  auto* a = with_image.mutable_send_message()->add_attachments();
  a->set_filename("photo.png");
  a->set_reference(out_id);
  created_id(ana.request(with_image));
  sends = t.sends(3);
  CHECK(json_at(sends[2].body, {"type"}) == "image");
  CHECK(!json_at(sends[2].body, {"image", "id"}).empty());
  REQUIRE(t.meta.uploads().size() == 1);
  CHECK(t.meta.uploads()[0].bytes == kPng);

  // Transfer to Bob (R-TR-1): he accepts, reads the whole conversation with
  // its states and reply links, and answers the customer himself.
  Client bob(t.w.port());
  const auto bob_login = must_login(bob, "bob", "bob-pass");
  const auto bob_id = bob_login.snapshot().me().id();
  v1::Command transfer;
  transfer.mutable_transfer()->set_interaction_id(interaction);
  transfer.mutable_transfer()->set_to_agent(bob_id);
  require_ack(ana.request(transfer));
  wait_for(bob, [&](const v1::Event& e) {
    return e.has_transfer_requested() && e.transfer_requested().interaction_id() == interaction;
  });
  v1::Command accept;
  accept.mutable_accept_transfer()->set_interaction_id(interaction);
  require_ack(bob.request(accept));
  auto conversation = messages_of(bob, interaction);
  REQUIRE(conversation.size() == 6);  // customer, bot, reply, customer's reply, image in, image out
  CHECK(conversation[0].provider_message_id() == "wamid.c1");
  CHECK(conversation[1].sender() == v1::SENDER_BOT);
  CHECK(conversation[2].id() == reply);
  CHECK(conversation[2].state() == v1::MESSAGE_STATE_READ);
  CHECK(conversation[2].reply().message_id() == customer_message);
  CHECK(conversation[3].reply().message_id() == reply);
  CHECK(conversation[3].reply().author_name() == "Ana Agent");
  REQUIRE(conversation[4].attachments_size() == 1);
  CHECK(conversation[4].attachments(0).reference() == in_id);
  REQUIRE(conversation[5].attachments_size() == 1);
  CHECK(conversation[5].attachments(0).reference() == out_id);
  // The transfer target may now download what the customer sent.
  HttpCallOptions bob_auth;
  bob_auth.headers = {{"Authorization", "Bearer " + bob_login.token()}};
  CHECK(http_call("GET", t.base() + "/v1/attachments/" + in_id, bob_auth).body == kJpeg);
  const auto bobs = created_id(bob.request(send_text(interaction, "Bob here, anything else?")));
  sends = t.sends(4);
  CHECK(json_at(sends[3].body, {"text", "body"}) == "Bob here, anything else?");
  CHECK(json_at(sends[3].body, {"biz_opaque_callback_data"}) == std::to_string(bobs));
  REQUIRE(t.statuses({meta_webhook::status(sends[3].wamid, "delivered", kCustomer, std::to_string(bobs))}) == 200);
  eventually(t.w.db, "SELECT state FROM messages WHERE id = " + std::to_string(bobs), "delivered");

  // Finish, then the disposition closes it (Bob owns it now).
  v1::Command finish;
  finish.mutable_finish()->set_interaction_id(interaction);
  CHECK(error_of(ana.request(finish)) != v1::ERROR_CODE_UNSPECIFIED);  // no longer hers
  require_ack(bob.request(finish));
  v1::Command dispose;
  dispose.mutable_save_disposition()->set_interaction_id(interaction);
  dispose.mutable_save_disposition()->add_path(1);
  dispose.mutable_save_disposition()->set_close(true);
  require_ack(bob.request(dispose));
  eventually(t.w.db, "SELECT state || ' ' || owner_id FROM interactions WHERE id = " + std::to_string(interaction),
             "closed " + std::to_string(bob_id));

  // History detail: the timeline has the transfer, the states and the reply
  // links; the closed conversation reads the same as the open one did.
  v1::Command detail;
  detail.mutable_get_interaction_detail()->set_interaction_id(interaction);
  auto d = t.admin.request(detail);
  INFO(d.DebugString());
  REQUIRE(d.response().has_interaction_detail());
  bool transferred = false, read_seen = false, linked_seen = false, disposed = false;
  for (const auto& e : d.response().interaction_detail().timeline()) {
    if (e.has_transfer_requested() && e.transfer_requested().to_agent() == bob_id) transferred = true;
    if (e.has_message_status_changed() && e.message_status_changed().message_id() == reply &&
        e.message_status_changed().state() == v1::MESSAGE_STATE_READ)
      read_seen = true;
    if (e.has_message_posted() && e.message_posted().provider_message_id() == "wamid.c2" &&
        e.message_posted().reply().message_id() == reply)
      linked_seen = true;
    if (e.has_disposition_saved()) disposed = true;
  }
  CHECK(transferred);
  CHECK(read_seen);
  CHECK(linked_seen);
  CHECK(disposed);
  auto closed = messages_of(t.admin, interaction);
  REQUIRE(closed.size() == 7);
  CHECK(closed[2].state() == v1::MESSAGE_STATE_READ);
  CHECK(closed[3].reply().message_id() == reply);
  CHECK(closed[6].state() == v1::MESSAGE_STATE_DELIVERED);
  CHECK(closed[6].author_name() == "Bob Agent");
  // Carla (another campaign) cannot open it.
  CHECK(error_of(carla.request(detail)) == v1::NOT_FOUND);
}

TEST_CASE("R-OUT-3 an outbound WhatsApp conversation starts with an approved template, free text once the customer replies") {
  WhatsAppWorld t;
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  v1::Command start;
  auto* s = start.mutable_start_interaction();
  s->set_campaign_id(t.sales);
  s->set_channel(v1::CHANNEL_WHATSAPP);
  s->set_address("+" + kCustomer);
  s->set_text("Hello, free text first");
  auto refused = ana.request(start);
  CHECK(error_of(refused) == v1::FAILED_PRECONDITION);
  s->clear_text();
  auto* use = s->mutable_template_();
  use->set_name("order_update");
  use->set_language("en_US");
  use->add_parameters("Maria");
  auto wrong_count = ana.request(start);
  CHECK(error_of(wrong_count) == v1::INVALID_ARGUMENT);
  use->add_parameters("#42");
  const auto interaction = created_id(ana.request(start));
  auto sends = t.sends(1);
  CHECK(json_at(sends[0].body, {"type"}) == "template");
  CHECK(json_at(sends[0].body, {"template", "name"}) == "order_update");
  CHECK(t.meta.sends().size() == 1);

  // Free text before the customer wrote: refused, nothing sent.
  CHECK(error_of(ana.request(send_text(interaction, "Any questions?"))) == v1::FAILED_PRECONDITION);
  // The customer answers: the window opens.
  REQUIRE(t.customer_says("wamid.r1", "Where is it now?") == 200);
  wait_for(ana, [](const v1::Event& e) { return e.has_message_posted() && e.message_posted().sender() == v1::SENDER_CUSTOMER; });
  created_id(ana.request(send_text(interaction, "In Campinas, arriving tomorrow.")));
  t.sends(2);
}

TEST_CASE("R-MSG-5 a permanent provider failure (131047) marks the message failed with the provider's reason") {
  WhatsAppWorld t;
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  REQUIRE(t.customer_says("wamid.f1", "hi") == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  require_ack(ana.request(take(interaction)));
  t.meta.script({MetaAnswer::window_closed});
  const auto message = created_id(ana.request(send_text(interaction, "Hello again")));
  auto failed = wait_for(ana, [&](const v1::Event& e) {
    return e.has_message_status_changed() && e.message_status_changed().message_id() == message;
  });
  CHECK(failed.event().message_status_changed().state() == v1::MESSAGE_STATE_FAILED);
  CHECK(failed.event().message_status_changed().error_code() == "131047");
  CHECK(t.w.db.query("SELECT state FROM outbox WHERE message_id = " + std::to_string(message)) == "failed");
}

TEST_CASE("R-MSG-5 the outbox retries while the provider is down or rate-limits, and sends once it is back") {
  DaemonOptions options;
  WhatsAppWorld t(options);
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  REQUIRE(t.customer_says("wamid.d1", "hi") == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  require_ack(ana.request(take(interaction)));

  // 429 with Retry-After: 1 s, then accepted.
  t.meta.set_retry_after("1");
  t.meta.script({MetaAnswer::rate_limited});
  const auto limited = created_id(ana.request(send_text(interaction, "first")));
  auto sends = t.sends(2, 15s);
  CHECK(json_at(sends[1].body, {"biz_opaque_callback_data"}) == std::to_string(limited));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(limited), "sent");

  // The provider unreachable (connection refused): retried until it is back.
  t.save_account("http://127.0.0.1:1", t.account);
  const auto down = created_id(ana.request(send_text(interaction, "second")));
  eventually(t.w.db, "SELECT attempts > 0 AND state = 'pending' FROM outbox WHERE message_id = " + std::to_string(down), "t");
  t.save_account(t.meta.base_url(), t.account);
  sends = t.sends(3, 20s);
  CHECK(json_at(sends[2].body, {"text", "body"}) == "second");
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(down), "sent", 20s);
  std::this_thread::sleep_for(500ms);
  CHECK(t.meta.sends().size() == 3);
}

TEST_CASE("R-MSG-5 a message committed but not sent when the daemon is killed is sent after the restart, once") {
  WhatsAppWorld t;
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  REQUIRE(t.customer_says("wamid.k1", "hi") == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  require_ack(ana.request(take(interaction)));
  // The provider is unreachable: the message is stored, its row waits pending.
  t.save_account("http://127.0.0.1:1", t.account);
  const auto message = created_id(ana.request(send_text(interaction, "survives kill -9")));
  eventually(t.w.db, "SELECT attempts > 0 AND state = 'pending' FROM outbox WHERE message_id = " + std::to_string(message), "t");
  t.w.daemon.kill();
  // While the daemon is down, the account's URL is fixed in the database
  // directly (as if the administrator had done it just before the crash).
  t.w.db.query("UPDATE provider_accounts SET base_url = '" + t.meta.base_url() + "' WHERE id = " + std::to_string(t.account));
  t.w.daemon.start();
  auto sends = t.sends(1, 20s);
  CHECK(json_at(sends[0].body, {"text", "body"}) == "survives kill -9");
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(message), "sent", 20s);
  std::this_thread::sleep_for(500ms);
  CHECK(t.meta.sends().size() == 1);
}

TEST_CASE("R-MSG-5 the attempt bound and the retry schedule hold across restarts: a row resumed one attempt short of "
          "the bound is tried once more when due, then fails") {
  DaemonOptions options;
  options.providers_extra = "send_attempts = 3\n";
  WhatsAppWorld t(options);
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  REQUIRE(t.customer_says("wamid.b1", "hi") == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  require_ack(ana.request(take(interaction)));
  // The provider is unreachable (connection refused): every attempt fails retryably.
  t.save_account("http://127.0.0.1:1", t.account);
  const auto short_of = created_id(ana.request(send_text(interaction, "one attempt left")));
  const auto spent = created_id(ana.request(send_text(interaction, "no attempt left")));
  const auto where = [](std::uint64_t m) { return " FROM outbox WHERE message_id = " + std::to_string(m); };
  eventually(t.w.db, "SELECT attempts > 0 AND state = 'pending'" + where(spent), "t");
  t.w.daemon.kill();
  // While down: one row has used two of its three attempts and is due in
  // 2 s; the other has used all three.
  t.w.db.query("UPDATE outbox SET state = 'pending', attempts = 2, next_attempt_at = now() + interval '2 s'" +
               std::string(" WHERE message_id = ") + std::to_string(short_of));
  t.w.db.query("UPDATE outbox SET state = 'pending', attempts = 3 WHERE message_id = " + std::to_string(spent));
  t.w.daemon.start();
  // One more attempt, not before it was due, and it is the last.
  eventually(t.w.db, "SELECT state || ' ' || attempts" + where(short_of), "failed 3", 20s);
  CHECK(t.w.db.query("SELECT updated_at >= next_attempt_at - interval '5 ms'" + where(short_of)) == "t");
  CHECK(t.w.db.query("SELECT position('gave up after 3 attempts' in last_error) > 0" + where(short_of)) == "t");
  eventually(t.w.db, "SELECT state FROM messages WHERE id = " + std::to_string(short_of), "failed");
  // No attempt at all for the spent one.
  eventually(t.w.db, "SELECT state || ' ' || attempts" + where(spent), "failed 3", 20s);
  CHECK(t.w.db.query("SELECT position('retries_exhausted' in last_error) > 0" + where(spent)) == "t");
  eventually(t.w.db, "SELECT state FROM messages WHERE id = " + std::to_string(spent), "failed");
  CHECK(t.meta.sends().empty());
}

TEST_CASE("R-MSG-5 a send whose answer was lost is not resent: it waits as unknown and a status callback settles it") {
  DaemonOptions options;
  options.providers_extra = "unknown_delivery_seconds = 10\n";
  WhatsAppWorld t(options);
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  REQUIRE(t.customer_says("wamid.u1", "hi") == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  require_ack(ana.request(take(interaction)));
  t.meta.script({MetaAnswer::drop});  // the request arrives, the answer never does
  const auto message = created_id(ana.request(send_text(interaction, "did it arrive?")));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(message), "unknown");
  // Meta's status callback names our message (biz_opaque_callback_data).
  REQUIRE(t.statuses({meta_webhook::status("wamid.recovered", "delivered", kCustomer, std::to_string(message))}) == 200);
  eventually(t.w.db, "SELECT state || ' ' || provider_message_id FROM outbox WHERE message_id = " + std::to_string(message),
             "sent wamid.recovered");
  eventually(t.w.db, "SELECT state FROM messages WHERE id = " + std::to_string(message), "delivered");
  CHECK(t.meta.sends().size() == 1);
}

TEST_CASE("R-OUT-3 an administrator refreshes a Meta account's approved templates from its listing") {
  WhatsAppWorld t;
  json::array listing;
  listing.push_back(json::object{{"name", "appointment_reminder"}, {"language", "pt_BR"}, {"status", "APPROVED"},
                                 {"category", "UTILITY"}, {"id", "1"},
                                 {"components", json::array{json::object{{"type", "BODY"},
                                                                         {"text", "Olá {{1}}, sua consulta é {{2}}."}}}}});
  listing.push_back(json::object{{"name", "black_friday"}, {"language", "pt_BR"}, {"status", "REJECTED"},
                                 {"category", "MARKETING"}, {"id", "2"},
                                 {"components", json::array{json::object{{"type", "BODY"}, {"text", "Promo!"}}}}});
  t.meta.set_templates(listing);
  v1::Command refresh;
  refresh.mutable_refresh_templates()->set_account_id(t.account);
  require_ack(t.admin.request(refresh));
  eventually(t.w.db, "SELECT string_agg(name || '/' || language || '/' || category, ',' ORDER BY name) FROM templates",
             "appointment_reminder/pt_BR/utility,order_update/en_US/utility");
  CHECK(t.w.db.query("SELECT body FROM templates WHERE name = 'appointment_reminder'") == "Olá {{1}}, sua consulta é {{2}}.");
}

TEST_CASE("R-IN-1 R-MSG-5 a WhatsApp Business (Cloud-API-compatible BSP) account: its auth header, its paths, media both ways") {
  MetaAccount bsp_account;
  bsp_account.bsp_header = "D360-API-KEY";
  bsp_account.access_token = "bsp-key-7a1c";
  FakeMeta bsp(bsp_account);
  World w;
  Client admin(w.port());
  std::uint64_t sales = 0;
  const auto admin_login = must_login(admin, "alice", "alice-pass");
  for (const auto& c : admin_login.snapshot().campaigns())
    if (c.name() == "Sales") sales = c.id();
  v1::Command save;
  auto* a = save.mutable_save_provider_account()->mutable_account();
  a->set_provider(v1::PROVIDER_WHATSAPP_BUSINESS);
  a->set_name("BSP number");
  a->set_phone_number_id(bsp_account.phone_number_id);
  // Without the BSP's base URL the account cannot work: refused.
  (*a->mutable_secrets())["auth_header"] = "D360-API-KEY: " + bsp_account.access_token;
  (*a->mutable_secrets())["app_secret"] = bsp_account.app_secret;
  (*a->mutable_secrets())["verify_token"] = bsp_account.verify_token;
  CHECK(error_of(admin.request(save)) == v1::INVALID_ARGUMENT);
  a->set_base_url(bsp.base_url());
  (*a->mutable_secrets())["auth_header"] = "no colon here";
  CHECK(error_of(admin.request(save)) == v1::INVALID_ARGUMENT);
  (*a->mutable_secrets())["auth_header"] = "D360-API-KEY: " + bsp_account.access_token;
  const auto account = created_id(admin.request(save));
  require_ack(admin.request(whatsapp_settings(sales, v1::PROVIDER_WHATSAPP_BUSINESS, account)));
  // The auth header is a secret: never sent back.
  v1::Command list;
  list.mutable_list_provider_accounts();
  auto listed = admin.request(list);
  INFO(listed.DebugString());
  CHECK(listed.DebugString().find(bsp_account.access_token) == std::string::npos);

  Client ana(w.port());
  const std::string token = must_login(ana, "ana", "ana-pass").token();
  const std::string hook = "http://127.0.0.1:" + std::to_string(w.port()) + "/hooks/whatsapp/" + std::to_string(account);
  const std::string base = "http://127.0.0.1:" + std::to_string(w.port());

  // The customer writes, with a photo the BSP serves at its own paths.
  bsp.add_media("bsp-media-1", kJpeg, "image/jpeg");
  REQUIRE(bsp.post_webhook(hook, bsp.webhook({meta_webhook::text(kCustomer, "wamid.b1", "Oi"),
                                              meta_webhook::image(kCustomer, "wamid.b2", "bsp-media-1")},
                                             {}, {meta_webhook::contact(kCustomer, "Maria Silva")})) == 200);
  CHECK(bsp.post_webhook(hook, bsp.webhook({meta_webhook::text(kCustomer, "wamid.b3", "forged")}),
                         FakeMeta::Signing::none) == 401);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  auto ready = wait_for(ana, [](const v1::Event& e) {
    return e.has_attachment_updated() && e.attachment_updated().attachment().state() == v1::ATTACHMENT_STATE_READY;
  }, 30s);
  CHECK(bsp.media_downloads("bsp-media-1") == 1);
  HttpCallOptions auth;
  auth.headers = {{"Authorization", "Bearer " + token}};
  require_ack(ana.request(take(interaction)));
  CHECK(http_call("GET", base + "/v1/attachments/" + ready.event().attachment_updated().attachment().reference(), auth)
            .body == kJpeg);

  // The agent answers with text and an image: both go to the BSP's paths with its header.
  const auto text = created_id(ana.request(send_text(interaction, "Olá Maria!")));
  HttpCallOptions upload = auth;
  upload.body = kPng;
  auto stored = http_call("POST", base + "/v1/attachments?filename=receipt.png&interaction=" + std::to_string(interaction), upload);
  REQUIRE(stored.status == 201);
  v1::Command with_image = send_text(interaction, "Your receipt");
  auto* att = with_image.mutable_send_message()->add_attachments();
  att->set_filename("receipt.png");
  att->set_reference(json_at(json::parse(stored.body), {"id"}));
  const auto image = created_id(ana.request(with_image));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (bsp.sends().size() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  auto sends = bsp.sends();
  REQUIRE(sends.size() == 2);
  CHECK(sends[0].request.path() == "/messages");
  CHECK(sends[0].request.header("D360-API-KEY") == bsp_account.access_token);
  CHECK(sends[0].request.header("Authorization").empty());
  CHECK(json_at(sends[0].body, {"text", "body"}) == "Olá Maria!");
  CHECK(json_at(sends[1].body, {"type"}) == "image");
  REQUIRE(bsp.uploads().size() == 1);
  CHECK(bsp.uploads()[0].bytes == kPng);
  eventually(w.db, "SELECT string_agg(state, ',' ORDER BY message_id) FROM outbox WHERE message_id IN (" +
                       std::to_string(text) + "," + std::to_string(image) + ")",
             "sent,sent");

  // Its statuses (by our correlation) reach the agent.
  REQUIRE(bsp.post_webhook(hook, bsp.webhook({}, {meta_webhook::status(sends[0].wamid, "delivered", kCustomer,
                                                                        std::to_string(text))})) == 200);
  eventually(w.db, "SELECT state FROM messages WHERE id = " + std::to_string(text), "delivered");
}

TEST_CASE("R-OUT-3 a template with an image header starts a conversation: the header file is uploaded to Meta and sent by its id") {
  WhatsAppWorld t;
  Client ana(t.w.port());
  const std::string token = must_login(ana, "ana", "ana-pass").token();
  v1::Command save;
  save.mutable_save_template()->set_account_id(t.account);
  auto* d = save.mutable_save_template()->mutable_definition();
  d->set_name("new_catalog");
  d->set_language("en_US");
  d->set_category("marketing");
  d->set_body("Hi {{1}}, our new catalog is out.");
  d->set_header_media("image");
  require_ack(t.admin.request(save));

  // The header image, uploaded for a new WhatsApp conversation in Sales.
  HttpCallOptions upload;
  upload.headers = {{"Authorization", "Bearer " + token}};
  upload.body = kPng;
  auto stored = http_call("POST", t.base() + "/v1/attachments?filename=cover.png&campaign=" + std::to_string(t.sales) +
                                      "&channel=whatsapp", upload);
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  const std::string cover = json_at(json::parse(stored.body), {"id"});

  v1::Command start;
  auto* s = start.mutable_start_interaction();
  s->set_campaign_id(t.sales);
  s->set_channel(v1::CHANNEL_WHATSAPP);
  s->set_address("+" + kCustomer);
  auto* use = s->mutable_template_();
  use->set_name("new_catalog");
  use->set_language("en_US");
  use->add_parameters("Maria");
  CHECK(error_of(ana.request(start)) == v1::INVALID_ARGUMENT);  // the header's file is missing
  use->set_header_attachment("0123456789abcdef0123456789abcdef");
  CHECK(error_of(ana.request(start)) == v1::INVALID_ARGUMENT);  // not a stored file
  use->set_header_attachment(cover);
  const auto interaction = created_id(ana.request(start));

  auto sends = t.sends(1);
  REQUIRE(t.meta.uploads().size() == 1);
  CHECK(t.meta.uploads()[0].bytes == kPng);
  CHECK(json_at(sends[0].body, {"type"}) == "template");
  CHECK(json_at(sends[0].body, {"template", "name"}) == "new_catalog");
  const auto& components = sends[0].body.at("template").at("components").as_array();
  bool header = false;
  for (const auto& c : components)
    if (c.at("type").as_string() == "header") {
      CHECK(c.at("parameters").at(0).at("type").as_string() == "image");
      CHECK(c.at("parameters").at(0).at("image").at("id").as_string() == t.meta.uploads()[0].id);
      header = true;
    }
  CHECK(header);
  // The file belongs to the conversation now; the history shows the template with its file.
  eventually(t.w.db, "SELECT interaction_id FROM attachments WHERE id = '" + cover + "'", std::to_string(interaction));
  auto page = messages_of(ana, interaction);
  REQUIRE(page.size() == 1);
  CHECK(page[0].template_().header_attachment() == cover);
  REQUIRE(page[0].attachments_size() == 1);
  CHECK(page[0].attachments(0).reference() == cover);
}
