// R-MSG-4 end to end: an agent's browser voice recording (WebM/Opus, as
// Chrome's MediaRecorder writes it) is uploaded as a voice message, stored as
// Ogg Opus, and reaches the fake Graph API (harness/fake_meta.h) as an
// audio/ogg upload sent as a voice note. The real daemon and PostgreSQL.
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "attachments/webm_opus.h"
#include "harness/fake_meta.h"
#include "harness/http_call.h"
#include "provider_accounts.h"
#include "support/test_files.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

using contactd::test::sha256_hex;

namespace {

std::string fixture(const std::string& name) { return contactd::test::fixture_bytes("media/" + name); }

const std::string kCustomer = "5511999990002";

// Sales answers WhatsApp through a Meta account on the fake; a customer has written, Ana took it.
struct VoiceWorld {
  World w;
  FakeMeta meta;
  Client admin{w.port()};
  Client ana{w.port()};
  std::string ana_token;
  std::uint64_t interaction{0};

  VoiceWorld() {
    auto login = must_login(admin, "alice", "alice-pass");
    std::uint64_t sales = 0;
    for (const auto& c : login.snapshot().campaigns())
      if (c.name() == "Sales") sales = c.id();
    const auto account = save_meta_account(admin, meta, meta.base_url());
    require_ack(admin.request(whatsapp_settings(sales, v1::PROVIDER_META, account)));

    ana_token = must_login(ana, "ana", "ana-pass").token();
    const std::string hook = base() + "/hooks/whatsapp/" + std::to_string(account);
    const auto text = meta_webhook::text(kCustomer, "wamid.v1", "Can you send me a voice note?");
    const auto contact = meta_webhook::contact(kCustomer, "Maria Silva");
    REQUIRE(meta.post_webhook(hook, meta.webhook({text}, {}, {contact})) == 200);
    interaction = wait_for(ana, [](const v1::Event& e) { return e.has_interaction_opened(); })
                      .event().interaction_opened().interaction_id();
    v1::Command take;
    take.mutable_take()->set_interaction_id(interaction);
    require_ack(ana.request(take));
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(w.port()); }

  HttpCallReply upload(const std::string& filename, const std::string& body, const std::string& extra) {
    HttpCallOptions o;
    o.headers = {{"Authorization", "Bearer " + ana_token}, {"Content-Type", "audio/webm;codecs=opus"}};
    o.body = body;
    return http_call("POST", base() + "/v1/attachments?filename=" + filename + "&interaction=" +
                                 std::to_string(interaction) + extra, o);
  }
};

}  // namespace

TEST_CASE("R-MSG-4 a browser's WebM/Opus voice recording is stored as Ogg Opus and sent to WhatsApp as a voice note") {
  VoiceWorld t;
  const std::string webm = fixture("voice_chrome.webm");
  auto expected = contactd::attachments::webm_opus_to_ogg(webm);
  REQUIRE(std::holds_alternative<contactd::attachments::OggOpus>(expected));
  const std::string ogg = std::get<contactd::attachments::OggOpus>(expected).bytes;

  // Not marked as voice, a WebM is what WhatsApp refuses (as before); a WebM
  // with video marked as voice is refused too; neither is stored.
  CHECK(t.upload("memo.webm", webm, "").status == 415);
  auto video = t.upload("clip.webm", fixture("video.webm"), "&voice=true");
  CHECK(video.status == 415);
  CHECK(video.body.find("voice") != std::string::npos);
  CHECK(t.upload("memo.webm", fixture("vorbis.webm"), "&voice=true").status == 415);
  CHECK(t.w.db.query("SELECT count(*) FROM attachments") == "0");

  auto stored = t.upload("memo.webm", webm, "&voice=true");
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  const json::value answer = json::parse(stored.body);
  const std::string id = json_at(answer, {"id"});
  CHECK(json_at(answer, {"filename"}) == "memo.ogg");
  CHECK(json_at(answer, {"content_type"}) == "audio/ogg; codecs=opus");
  CHECK(json_at(answer, {"kind"}) == "audio");
  CHECK(json_at(answer, {"size_bytes"}) == std::to_string(ogg.size()));
  // The row describes the stored Ogg (its size and hash); the WebM is not kept.
  CHECK(t.w.db.query("SELECT concat_ws('|', filename, content_type, kind, size_bytes, sha256) FROM attachments") ==
        "memo.ogg|audio/ogg; codecs=opus|audio|" + std::to_string(ogg.size()) + "|" + sha256_hex(ogg));
  HttpCallOptions auth;
  auth.headers = {{"Authorization", "Bearer " + t.ana_token}};
  auto download = http_call("GET", t.base() + "/v1/attachments/" + id, auth);
  CHECK(download.status == 200);
  CHECK(download.body == ogg);

  // Sent as a voice message: Meta gets the Ogg as audio/ogg, then an audio message with voice: true.
  v1::Command send;
  send.mutable_send_message()->set_interaction_id(t.interaction);
  auto* a = send.mutable_send_message()->add_attachments();
  a->set_filename("memo.ogg");
  a->set_reference(id);
  a->set_voice(true);
  created_id(t.ana.request(send));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (t.meta.sends().empty() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  REQUIRE(t.meta.sends().size() == 1);
  REQUIRE(t.meta.uploads().size() == 1);
  const auto upload = t.meta.uploads()[0];
  CHECK(upload.type == "audio/ogg");
  CHECK(upload.content_type == "audio/ogg");
  CHECK(upload.filename == "memo.ogg");
  CHECK(upload.bytes == ogg);
  const auto sends = t.meta.sends();
  const auto& body = sends[0].body;
  CHECK(json_at(body, {"type"}) == "audio");
  CHECK(json_at(body, {"audio", "id"}) == upload.id);
  CHECK(json_at(body, {"audio", "voice"}) == "true");
}
