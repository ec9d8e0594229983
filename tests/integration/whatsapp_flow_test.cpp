// WhatsApp through Meta's Cloud API, end to end (issue 12): the real daemon
// and PostgreSQL, the fake Graph API on loopback (tests/integration/harness/
// fake_meta.h) receiving sends and posting signed webhooks in Meta's shapes.
#include <boost/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "harness/fake_meta.h"
#include "harness/http_call.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string kCustomer = "5511999990001";

// A 1x1 PNG.
const std::string kPng = std::string("\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82", 70);
// The start of a JPEG (the store sniffs the first bytes).
const std::string kJpeg = std::string("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 20) + std::string(2000, 'x');

template <class Pred>
v1::Envelope wait_for(Client& c, Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    REQUIRE(left.count() > 0);
    auto e = c.next_frame(left);
    if (e.has_event() && pred(e.event())) return e;
  }
}

// Polls `sql` until it answers `expected` (the daemon works asynchronously).
void eventually(TestDatabase& db, const std::string& sql, const std::string& expected, std::chrono::milliseconds timeout = 10s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::string got;
  while (std::chrono::steady_clock::now() < until) {
    got = db.query(sql);
    if (got == expected) return;
    std::this_thread::sleep_for(50ms);
  }
  INFO(sql);
  CHECK(got == expected);
}

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
    auto settings = webchat_settings(sales, v1::STRATEGY_MANUAL, {{v1::CHANNEL_WHATSAPP, v1::PROVIDER_META}});
    auto* channels = settings.mutable_update_campaign()->mutable_settings()->mutable_channels();
    for (auto& ch : *channels)
      if (ch.channel() == v1::CHANNEL_WHATSAPP) ch.set_account_id(account);
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

  std::uint64_t save_account(const std::string& base_url, std::uint64_t id = 0) {
    v1::Command c;
    auto* a = c.mutable_save_provider_account()->mutable_account();
    a->set_id(id);
    a->set_provider(v1::PROVIDER_META);
    a->set_name("Main number");
    a->set_phone_number_id(meta.account().phone_number_id);
    a->set_business_account_id(meta.account().waba_id);
    a->set_base_url(base_url);
    (*a->mutable_secrets())["access_token"] = meta.account().access_token;
    (*a->mutable_secrets())["app_secret"] = meta.account().app_secret;
    (*a->mutable_secrets())["verify_token"] = meta.account().verify_token;
    return created_id(admin.request(c));
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

std::string str(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* at = &v;
  for (const char* key : path) {
    if (!at->is_object() || !at->as_object().contains(key)) return "";
    at = &at->as_object().at(key);
  }
  return at->is_string() ? std::string(at->as_string()) : json::serialize(*at);
}

}  // namespace

TEST_CASE("R-IN-1 R-MSG-5 R-MSG-6 a WhatsApp customer's conversation end to end through Meta's Cloud API") {
  WhatsAppWorld t;
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

  // The customer writes (twice: Meta redelivers); one interaction, one message.
  REQUIRE(t.customer_says("wamid.c1", "Hello, is my order on its way?") == 200);
  REQUIRE(t.customer_says("wamid.c1", "Hello, is my order on its way?") == 200);
  auto opened = wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); });
  const auto interaction = opened.event().interaction_opened().interaction_id();
  auto first = wait_for(ana, [](const v1::Event& e) { return e.has_message_posted(); });
  const auto customer_message = first.event().message_posted().message_id();
  CHECK(first.event().message_posted().text() == "Hello, is my order on its way?");
  CHECK(first.event().message_posted().provider_message_id() == "wamid.c1");
  eventually(t.w.db, "SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction), "1");
  CHECK(t.w.db.query("SELECT count(*) FROM channel_inbox WHERE processed_at IS NULL") == "0");

  require_ack(ana.request(take(interaction)));

  // The agent replies quoting the customer's message.
  auto sent = ana.request(send_text(interaction, "Yes! It left this morning.", customer_message));
  const auto reply = created_id(sent);
  auto sends = t.sends(1);
  const auto& body = sends[0].body;
  CHECK(str(body, {"to"}) == kCustomer);
  CHECK(str(body, {"type"}) == "text");
  CHECK(str(body, {"text", "body"}) == "Yes! It left this morning.");
  CHECK(str(body, {"context", "message_id"}) == "wamid.c1");
  CHECK(str(body, {"biz_opaque_callback_data"}) == std::to_string(reply));
  const std::string wamid = sends[0].wamid;
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
  const std::string out_id = str(json::parse(stored.body), {"id"});
  v1::Command with_image = send_text(interaction, "Here is the receipt");
  auto* a = with_image.mutable_send_message()->add_attachments();
  a->set_filename("photo.png");
  a->set_reference(out_id);
  created_id(ana.request(with_image));
  sends = t.sends(2);
  CHECK(str(sends[1].body, {"type"}) == "image");
  CHECK(!str(sends[1].body, {"image", "id"}).empty());
  REQUIRE(t.meta.uploads().size() == 1);
  CHECK(t.meta.uploads()[0].bytes == kPng);

  // Finish: the history keeps states and reply links.
  v1::Command finish;
  finish.mutable_finish()->set_interaction_id(interaction);
  require_ack(ana.request(finish));
  CHECK(t.w.db.query("SELECT reply->>'message_id' FROM messages WHERE provider_message_id = 'wamid.c2'") ==
        std::to_string(reply));
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
  CHECK(str(sends[0].body, {"type"}) == "template");
  CHECK(str(sends[0].body, {"template", "name"}) == "order_update");
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
  CHECK(str(sends[1].body, {"biz_opaque_callback_data"}) == std::to_string(limited));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(limited), "sent");

  // The provider unreachable (connection refused): retried until it is back.
  t.save_account("http://127.0.0.1:1", t.account);
  const auto down = created_id(ana.request(send_text(interaction, "second")));
  eventually(t.w.db, "SELECT attempts > 0 AND state = 'pending' FROM outbox WHERE message_id = " + std::to_string(down), "t");
  t.save_account(t.meta.base_url(), t.account);
  sends = t.sends(3, 20s);
  CHECK(str(sends[2].body, {"text", "body"}) == "second");
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
  CHECK(str(sends[0].body, {"text", "body"}) == "survives kill -9");
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
