// Gupshup downloads outbound media itself: contactd hands it a signed,
// expiring public URL of the media store (GET /media/<id>?exp=&sig=), and
// sends templates by their Gupshup template UUID (issue 12). The real daemon
// and PostgreSQL, the fake Gupshup API on loopback.
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "attachments/public_url.h"
#include "harness/fake_gupshup.h"
#include "harness/fake_http_server.h"
#include "harness/http_call.h"
#include "provider_accounts.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string kCustomer = "5511988887777";
const std::string kCallbackToken = "gupshup-callback-token-7d1e0b3a";
const std::string kPublicBase = "https://cc.example.test";
const std::string kUrlSecret = "test-media-url-secret-0123456789abcdef";
const std::string kTemplateUuid = "c6aecef6-bcb0-4fb1-8100-28c094e3bc6b";
const std::string kPng = std::string(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    "\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    "\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    70);

std::string str(const json::value& v, const char* key) {
  return v.is_object() && v.as_object().contains(key) && v.at(key).is_string() ? std::string(v.at(key).as_string())
                                                                               : "";
}

std::string header(const HttpCallReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  return "";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

DaemonOptions with_public_urls() {
  DaemonOptions o;
  o.media_extra =
      "public_base_url = \"" + kPublicBase + "\"\nurl_secret = \"" + kUrlSecret + "\"\npublic_url_ttl_seconds = 600\n";
  return o;
}

// Sales with WhatsApp through a Gupshup account (the fake's); ana, logged
// in, may start WhatsApp conversations there.
struct GupshupWorld {
  World w;
  FakeGupshup gupshup;
  Client admin{w.port()};
  Client ana{w.port()};
  std::string ana_token;
  std::uint64_t sales{0};
  std::uint64_t account{0};

  explicit GupshupWorld(DaemonOptions options) : w(std::move(options)) {
    auto login = must_login(admin, "alice", "alice-pass");
    for (const auto& c : login.snapshot().campaigns())
      if (c.name() == "Sales") sales = c.id();
    std::uint64_t ana_id = 0;
    for (const auto& u : login.snapshot().overseen())
      if (u.login() == "ana") ana_id = u.id();
    REQUIRE(ana_id != 0);
    account = save_gupshup_account(admin, gupshup, kCallbackToken);
    require_ack(admin.request(whatsapp_settings(sales, v1::PROVIDER_GUPSHUP, account)));
    v1::Command member;
    member.mutable_set_membership()->set_user_id(ana_id);
    member.mutable_set_membership()->set_campaign_id(sales);
    member.mutable_set_membership()->set_member(true);
    member.mutable_set_membership()->add_outbound(v1::CHANNEL_WHATSAPP);
    require_ack(admin.request(member));
    ana_token = must_login(ana, "ana", "ana-pass").token();
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(w.port()); }

  // The customer writes; ana takes the conversation. Returns the interaction.
  std::uint64_t customer_conversation() {
    REQUIRE(gupshup.post_callback(base() + "/hooks/gupshup/" + kCallbackToken,
                                  gupshup_callback::text(gupshup.account().app_name, kCustomer, "Rui", "gs-in-1",
                                                         "Can you send me the receipt?")) == 200);
    const auto interaction = wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); })
                                 .event()
                                 .interaction_opened()
                                 .interaction_id();
    v1::Command take;
    take.mutable_take()->set_interaction_id(interaction);
    require_ack(ana.request(take));
    return interaction;
  }

  // ana uploads `bytes` as `filename` for `interaction`; returns the attachment id.
  std::string upload(std::uint64_t interaction, const std::string& filename, const std::string& bytes) {
    HttpCallOptions o;
    o.headers = {{"Authorization", "Bearer " + ana_token}, {"Content-Type", "application/octet-stream"}};
    o.body = bytes;
    auto r = http_call(
        "POST", base() + "/v1/attachments?filename=" + filename + "&interaction=" + std::to_string(interaction), o);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return str(json::parse(r.body), "id");
  }

  v1::Command send_with_file(std::uint64_t interaction, const std::string& text, const std::string& id,
                             const std::string& filename) {
    v1::Command c;
    c.mutable_send_message()->set_interaction_id(interaction);
    c.mutable_send_message()->set_text(text);
    auto* a = c.mutable_send_message()->add_attachments();
    a->set_filename(filename);
    a->set_reference(id);
    return c;
  }

  // GET of a public media URL's path on the daemon (as a reverse proxy at kPublicBase would).
  HttpCallReply fetch(const std::string& path, HttpCallOptions o = {}) const {
    return http_call("GET", base() + path, o);
  }
};

}  // namespace

TEST_CASE(
    "R-MSG-2 an agent's image goes to Gupshup as a signed public URL serving exactly the file, and tampered, expired "
    "and unbound URLs are 404") {
  GupshupWorld t(with_public_urls());
  const auto interaction = t.customer_conversation();
  const std::string id = t.upload(interaction, "receipt.png", kPng);
  const auto message =
      created_id(t.ana.request(t.send_with_file(interaction, "Here is the receipt", id, "receipt.png")));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(message), "sent");

  auto sends = t.gupshup.sends();
  REQUIRE(sends.size() == 1);
  CHECK(!sends[0].is_template);
  CHECK(sends[0].form.at("destination") == kCustomer);
  const json::value& msg = sends[0].message;
  CHECK(str(msg, "type") == "image");
  CHECK(str(msg, "caption") == "Here is the receipt");
  const std::string url = str(msg, "originalUrl");
  CHECK(str(msg, "previewUrl") == url);
  const std::string prefix = kPublicBase + "/media/" + id + "?exp=";
  REQUIRE(url.rfind(prefix, 0) == 0);
  const std::string path = url.substr(kPublicBase.size());
  const auto amp = url.find("&sig=");
  REQUIRE(amp != std::string::npos);
  const std::string exp = url.substr(prefix.size(), amp - prefix.size());
  const std::string sig = url.substr(amp + 5);
  const std::int64_t expires = std::stoll(exp);
  CHECK(expires > unix_now() + 500);
  CHECK(expires <= unix_now() + 600);

  // What Gupshup downloads: the exact bytes, sniffed type, name, ranges; no login.
  auto got = t.fetch(path);
  INFO(got.body);
  REQUIRE(got.status == 200);
  CHECK(got.body == kPng);
  CHECK(header(got, "Content-Type") == "image/png");
  CHECK(header(got, "Content-Disposition") == "inline; filename=\"receipt.png\"");
  HttpCallOptions range;
  range.headers = {{"Range", "bytes=0-7"}};
  auto part = t.fetch(path, range);
  CHECK(part.status == 206);
  CHECK(part.body == kPng.substr(0, 8));

  // Every other URL is the same 404.
  std::string other_sig = sig;
  other_sig[0] = other_sig[0] == 'a' ? 'b' : 'a';
  CHECK(t.fetch("/media/" + id + "?exp=" + exp + "&sig=" + other_sig).status == 404);
  CHECK(t.fetch("/media/" + id + "?exp=" + std::to_string(expires + 3600) + "&sig=" + sig).status == 404);
  CHECK(t.fetch("/media/" + id + "?exp=" + exp).status == 404);
  CHECK(t.fetch("/media/" + id).status == 404);
  // The daemon's own signature scheme (the test holds the configured secret):
  // a fresh URL works, one that expired a second ago does not.
  const contactd::attachments::PublicUrlSigner signer({kPublicBase, kUrlSecret, std::chrono::seconds(600)});
  CHECK(t.fetch(signer.path_for(id, unix_now() + 60)).status == 200);
  auto expired = t.fetch(signer.path_for(id, unix_now() - 1));
  CHECK(expired.status == 404);
  CHECK(expired.body == t.fetch("/media/" + id + "?exp=" + exp + "&sig=" + other_sig).body);  // no oracle
  // An upload no message carries has no working URL, even correctly signed; nor an unknown id.
  const std::string unbound = t.upload(interaction, "draft.png", kPng);
  CHECK(t.fetch(signer.path_for(unbound, unix_now() + 60)).status == 404);
  CHECK(t.fetch(signer.path_for("0123456789abcdef0123456789abcdef", unix_now() + 60)).status == 404);
  CHECK(t.fetch(signer.path_for("../../etc/passwd", unix_now() + 60)).status == 404);
}

TEST_CASE("R-OUT-3 a Gupshup template is registered with its Gupshup UUID and sent by it") {
  GupshupWorld t(with_public_urls());
  v1::Command tmpl;
  tmpl.mutable_save_template()->set_account_id(t.account);
  auto* d = tmpl.mutable_save_template()->mutable_definition();
  d->set_name("order_update");
  d->set_language("en");
  d->set_category("utility");
  d->set_body("Hi {{1}}, your order {{2}} shipped.");
  // Without its Gupshup id, Gupshup could not send it: refused, nothing stored.
  auto refused = t.admin.request(tmpl);
  CHECK(error_of(refused) == v1::INVALID_ARGUMENT);
  CHECK(refused.error().message().find("provider_template_id") != std::string::npos);
  CHECK(t.w.db.query("SELECT count(*) FROM templates") == "0");
  d->set_provider_template_id(kTemplateUuid);
  require_ack(t.admin.request(tmpl));
  CHECK(t.w.db.query("SELECT provider_template_id FROM templates WHERE name = 'order_update'") == kTemplateUuid);

  v1::Command start;
  auto* s = start.mutable_start_interaction();
  s->set_campaign_id(t.sales);
  s->set_channel(v1::CHANNEL_WHATSAPP);
  s->set_address("+" + kCustomer);
  s->mutable_template_()->set_name("order_update");
  s->mutable_template_()->set_language("en");
  s->mutable_template_()->add_parameters("Maria");
  s->mutable_template_()->add_parameters("#42");
  const auto interaction = created_id(t.ana.request(start));
  eventually(t.w.db,
             "SELECT o.state FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.interaction_id = " +
                 std::to_string(interaction),
             "sent");
  auto sends = t.gupshup.sends();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].is_template);
  CHECK(str(sends[0].template_, "id") == kTemplateUuid);
  REQUIRE(sends[0].template_.at("params").is_array());
  CHECK(sends[0].template_.at("params").as_array() == json::array{"Maria", "#42"});

  // Listed with its id after a restart (loaded from the store).
  t.w.daemon.stop();
  t.w.daemon.start();
  Client admin(t.w.port());
  must_login(admin, "alice", "alice-pass");
  v1::Command list;
  list.mutable_list_provider_accounts();
  auto listed = admin.request(list);
  INFO(listed.DebugString());
  REQUIRE(listed.response().provider_accounts().accounts_size() == 1);
  REQUIRE(listed.response().provider_accounts().accounts(0).templates_size() == 1);
  CHECK(listed.response().provider_accounts().accounts(0).templates(0).provider_template_id() == kTemplateUuid);
}

TEST_CASE(
    "R-MSG-3 without [media] public_base_url a file through Gupshup is refused at send_message and nothing is stored "
    "or sent") {
  GupshupWorld t(DaemonOptions{});
  const auto interaction = t.customer_conversation();
  const std::string id = t.upload(interaction, "receipt.png", kPng);
  auto refused = t.ana.request(t.send_with_file(interaction, "Here is the receipt", id, "receipt.png"));
  INFO(refused.DebugString());
  CHECK(error_of(refused) == v1::FAILED_PRECONDITION);
  CHECK(refused.error().message().find("public_base_url") != std::string::npos);
  CHECK(t.w.db.query("SELECT count(*) FROM messages WHERE interaction_id = " + std::to_string(interaction)) == "1");
  CHECK(t.w.db.query("SELECT count(*) FROM outbox") == "0");
  CHECK(t.w.db.query("SELECT COALESCE(interaction_id, 0) FROM attachments WHERE id = '" + id + "'") == "0");
  // No public route either.
  const contactd::attachments::PublicUrlSigner signer({kPublicBase, kUrlSecret, std::chrono::seconds(600)});
  CHECK(t.fetch(signer.path_for(id, unix_now() + 60)).status == 404);

  // Text still goes.
  v1::Command text;
  text.mutable_send_message()->set_interaction_id(interaction);
  text.mutable_send_message()->set_text("I will send it by e-mail");
  const auto message = created_id(t.ana.request(text));
  eventually(t.w.db, "SELECT state FROM outbox WHERE message_id = " + std::to_string(message), "sent");
  REQUIRE(t.gupshup.sends().size() == 1);
  CHECK(str(t.gupshup.sends()[0].message, "type") == "text");
}

TEST_CASE("R-SEC-5 a media URL in a Gupshup callback that names a private address is never fetched, unless allowed") {
  // What the callback's URL points at: a server on loopback (as an internal
  // service, or a cloud metadata endpoint, would be).
  const std::string jpeg = std::string("\xff\xd8\xff\xe0\0\x10JFIF\0", 11) + std::string(3000, 'j');
  FakeHttpServer inside([&](const FakeRequest&) {
    FakeReply r;
    r.headers = {{"Content-Type", "image/jpeg"}};
    r.body = jpeg;
    return r;
  });
  const std::string url = "http://localhost:" + std::to_string(inside.port()) + "/secret.jpg";
  auto customer_sends_photo = [&](GupshupWorld& t) {
    REQUIRE(t.gupshup.post_callback(t.base() + "/hooks/gupshup/" + kCallbackToken,
                                    gupshup_callback::media(t.gupshup.account().app_name, kCustomer, "Rui", "gs-img-1",
                                                            "image", url, "look")) == 200);
    return wait_for(t.ana, [](const v1::Event& e) {
      return e.has_attachment_updated() &&
             e.attachment_updated().attachment().state() != v1::ATTACHMENT_STATE_PENDING;
    }, 30s);
  };
  {
    GupshupWorld t(DaemonOptions{});
    auto settled = customer_sends_photo(t);
    CHECK(settled.event().attachment_updated().attachment().state() == v1::ATTACHMENT_STATE_UNAVAILABLE);
    CHECK_THAT(settled.event().attachment_updated().attachment().unavailable_reason(),
               Catch::Matchers::Contains("not a public address"));
    CHECK(inside.connections() == 0);
    CHECK(t.w.db.query("SELECT count(*) FROM messages") == "1");  // the message stays
  }
  {
    DaemonOptions lab;
    lab.providers_extra = "media_private_addresses = true\n";
    GupshupWorld t(lab);
    auto settled = customer_sends_photo(t);
    CHECK(settled.event().attachment_updated().attachment().state() == v1::ATTACHMENT_STATE_READY);
    CHECK(inside.requests() == 1);
  }
}
