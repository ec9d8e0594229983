// WhatsApp through Gupshup, and what providers and attackers send that is
// not a good webhook (issue 12, "Bad input"): the real daemon and
// PostgreSQL, the fake Gupshup and Graph APIs on loopback.
#include <boost/json.hpp>
#include <thread>

#include "harness/fake_gupshup.h"
#include "harness/fake_meta.h"
#include "harness/http.h"
#include "harness/http_call.h"
#include "provider_accounts.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string kCustomer = "5511988887777";
const std::string kCallbackToken = "gupshup-callback-token-4f8a2c9e";

struct Setup {
  World w;
  Client admin{w.port()};
  std::uint64_t sales{0};
  std::string base;

  Setup() : base("http://127.0.0.1:" + std::to_string(w.port())) {
    auto login = must_login(admin, "alice", "alice-pass");
    for (const auto& c : login.snapshot().campaigns())
      if (c.name() == "Sales") sales = c.id();
  }
  // A Meta account on `meta`, enabled in Sales; returns its id.
  std::uint64_t meta_account(FakeMeta& meta) {
    const auto account = save_meta_account(admin, meta, meta.base_url());
    enable(v1::PROVIDER_META, account);
    return account;
  }
  void enable(v1::Provider provider, std::uint64_t account) {
    require_ack(admin.request(whatsapp_settings(sales, provider, account)));
  }
};

std::string str(const json::value& v, const char* key) {
  return v.is_object() && v.as_object().contains(key) && v.at(key).is_string() ? std::string(v.at(key).as_string()) : "";
}

}  // namespace

TEST_CASE("R-IN-1 R-MSG-5 a Gupshup WhatsApp conversation: callbacks in, replies out, delivery events by Gupshup's id") {
  Setup t;
  FakeGupshup gupshup;
  const auto account = save_gupshup_account(t.admin, gupshup, kCallbackToken);
  t.enable(v1::PROVIDER_GUPSHUP, account);
  Client ana(t.w.port());
  must_login(ana, "ana", "ana-pass");
  const std::string hook = t.base + "/hooks/gupshup/" + kCallbackToken;

  // A wrong token is not an account: nothing stored.
  CHECK(gupshup.post_callback(t.base + "/hooks/gupshup/not-the-token-at-all-1234",
                              gupshup_callback::text(gupshup.account().app_name, kCustomer, "Rui", "gs-in-0", "hi")) == 404);
  CHECK(t.w.db.query("SELECT count(*) FROM channel_inbox") == "0");

  REQUIRE(gupshup.post_callback(hook, gupshup_callback::text(gupshup.account().app_name, kCustomer, "Rui", "gs-in-1",
                                                             "Olá, preciso de ajuda")) == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  auto first = wait_for(ana, [](const v1::Event& e) { return e.has_message_posted(); });
  CHECK(first.event().message_posted().text() == "Olá, preciso de ajuda");
  v1::Command take;
  take.mutable_take()->set_interaction_id(interaction);
  require_ack(ana.request(take));

  v1::Command reply;
  reply.mutable_send_message()->set_interaction_id(interaction);
  reply.mutable_send_message()->set_text("Claro! Como posso ajudar?");
  const auto message = created_id(ana.request(reply));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(message), "sent");
  auto sends = gupshup.sends();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].form.at("destination") == kCustomer);
  CHECK(sends[0].form.at("source") == gupshup.account().source_number);
  CHECK(str(sends[0].message, "text") == "Claro! Como posso ajudar?");
  const std::string gs_id = sends[0].message_id;

  // enqueued (by Gupshup's id), then delivered and read (by the WhatsApp id, with gsId).
  REQUIRE(gupshup.post_callback(hook, gupshup_callback::enqueued(gupshup.account().app_name, gs_id, kCustomer, "wamid.gs1")) == 200);
  REQUIRE(gupshup.post_callback(hook, gupshup_callback::event(gupshup.account().app_name, "read", "wamid.gs1", gs_id, kCustomer)) == 200);
  REQUIRE(gupshup.post_callback(hook, gupshup_callback::event(gupshup.account().app_name, "delivered", "wamid.gs1", gs_id, kCustomer)) == 200);
  eventually(t.w.db, "SELECT state FROM messages WHERE id = " + std::to_string(message), "read");

  // A rejected send (200 with status error) fails the message with Gupshup's words.
  gupshup.script({GupshupAnswer::error_in_200});
  reply.mutable_send_message()->set_text("second");
  const auto refused = created_id(ana.request(reply));
  auto failed = wait_for(ana, [&](const v1::Event& e) {
    return e.has_message_status_changed() && e.message_status_changed().message_id() == refused;
  });
  CHECK(failed.event().message_status_changed().state() == v1::MESSAGE_STATE_FAILED);
  CHECK(!failed.event().message_status_changed().error_text().empty());
}

TEST_CASE("R-SEC webhooks that are not a provider's good notification store nothing and say why") {
  Setup t;
  FakeMeta meta;
  const auto account = t.meta_account(meta);
  const std::string hook = t.base + "/hooks/whatsapp/" + std::to_string(account);

  const std::string good = meta.webhook({meta_webhook::text(kCustomer, "wamid.e1", "hi")});
  // Unknown accounts.
  CHECK(meta.post_webhook(t.base + "/hooks/whatsapp/999", good) == 404);
  CHECK(meta.post_webhook(t.base + "/hooks/whatsapp/not-a-number", good) == 404);
  // Signed, but not JSON / not WhatsApp's object.
  CHECK(meta.post_webhook(hook, "{not json") == 400);
  CHECK(meta.post_webhook(hook, R"({"object":"page","entry":[]})") == 400);
  // Larger than the webhook limit (4 MiB): refused on its head, before the body is read.
  auto oversized = raw_http(t.w.port(), "POST /hooks/whatsapp/" + std::to_string(account) +
                                            " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                            "X-Hub-Signature-256: sha256=00\r\nContent-Length: 5242880\r\n\r\n{");
  CHECK(oversized.status == 413);
  // Unsigned, wrongly signed.
  CHECK(meta.post_webhook(hook, good, FakeMeta::Signing::none) == 401);
  CHECK(meta.post_webhook(hook, good, FakeMeta::Signing::wrong) == 401);
  CHECK(t.w.db.query("SELECT count(*) FROM channel_inbox") == "0");

  // A status for a message contactd never sent is logged and settled, and changes nothing.
  REQUIRE(meta.post_webhook(hook, meta.webhook({}, {meta_webhook::status("wamid.nobody", "delivered", kCustomer)})) == 200);
  eventually(t.w.db, "SELECT outcome FROM channel_inbox WHERE dedupe_key LIKE 'st:wamid.nobody%'", "unknown message");
  CHECK(t.w.db.query("SELECT count(*) FROM messages") == "0");

  // A good one after all that works.
  REQUIRE(meta.post_webhook(hook, good) == 200);
  eventually(t.w.db, "SELECT count(*) FROM messages", "1");
}

TEST_CASE("R-MSG-3 uploads are refused over the provider's limit and media that never downloads is marked unavailable") {
  Setup t;
  FakeMeta meta;
  const auto account = t.meta_account(meta);
  const std::string hook = t.base + "/hooks/whatsapp/" + std::to_string(account);
  Client ana(t.w.port());
  const std::string token = must_login(ana, "ana", "ana-pass").token();

  // The customer sends an image that Meta never serves.
  meta.add_media("media-gone", std::string("\xff\xd8\xff\xe0", 4) + std::string(100, 'x'), "image/jpeg");
  meta.fail_media_downloads("media-gone", 100, 404);
  REQUIRE(meta.post_webhook(hook, meta.webhook({meta_webhook::image(kCustomer, "wamid.m1", "media-gone")})) == 200);
  const auto interaction =
      wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); }).event().interaction_opened().interaction_id();
  auto gone = wait_for(ana, [](const v1::Event& e) {
    return e.has_attachment_updated() && e.attachment_updated().attachment().state() == v1::ATTACHMENT_STATE_UNAVAILABLE;
  }, 60s);
  CHECK(gone.event().attachment_updated().attachment().unavailable_reason().find("media unavailable") != std::string::npos);
  CHECK(t.w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction)) == "1");

  // An image over WhatsApp's 5 MB: refused on its head (no session: 401 first).
  const std::string target = "/v1/attachments?filename=big.png&interaction=" + std::to_string(interaction);
  auto head = [&](const std::string& auth) {
    return raw_http(t.w.port(), "POST " + target + " HTTP/1.1\r\nHost: x\r\n" + auth +
                                    "Content-Type: image/png\r\nContent-Length: 6291456\r\n\r\n\x89PNG");
  };
  CHECK(head("").status == 401);
  v1::Command take;
  take.mutable_take()->set_interaction_id(interaction);
  require_ack(ana.request(take));
  auto big = head("Authorization: Bearer " + token + "\r\n");
  INFO(big.text);
  CHECK(big.status == 413);
  CHECK(big.text.find("5 MB") != std::string::npos);
  HttpCallOptions upload;
  upload.headers = {{"Authorization", "Bearer " + token}};
  // A type WhatsApp does not carry.
  upload.body = "GIF89a" + std::string(100, 'x');
  CHECK(http_call("POST", t.base + "/v1/attachments?filename=a.gif&interaction=" + std::to_string(interaction), upload).status == 415);
  CHECK(t.w.db.query("SELECT count(*) FROM attachments WHERE source = 'upload'") == "0");
}
