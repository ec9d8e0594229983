// Gupshup: form-encoded sends, send answers, v2 callbacks (message,
// message-event with its id/gsId rules, user-event), callback authentication
// (research/channels.md §3).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "channels/whatsapp/gupshup_codec.h"
#include "fixtures.h"

using namespace contactd::channels::whatsapp;
using namespace contactd::channels::whatsapp::test;
namespace json = boost::json;

namespace {

const gupshup::GupshupAccount kAccount{"DemoApp", "917834811114"};

std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> form(const std::string& body) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(start, end - start);
    const std::size_t eq = pair.find('=');
    REQUIRE(eq != std::string::npos);
    fields[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

std::map<std::string, std::string> sent_form(const OutboundMessage& m, const std::string& path) {
  const auto r = gupshup::build_send(m, kAccount);
  const HttpRequestSpec& spec = ok(r);
  CHECK(spec.path == path);
  CHECK(spec.content_type == "application/x-www-form-urlencoded");
  auto f = form(spec.body);
  CHECK(f.at("channel") == "whatsapp");
  CHECK(f.at("source") == "917834811114");
  CHECK(f.at("destination") == "918x98xx21x4");
  CHECK(f.at("src.name") == "DemoApp");
  return f;
}

OutboundMessage to_customer() {
  OutboundMessage m;
  m.to = "918x98xx21x4";
  return m;
}

}  // namespace

TEST_CASE("R-MSG-1 Gupshup text send: form fields and message JSON, a reply with context.msgId") {
  OutboundMessage m = to_customer();
  m.text = "hi & welcome = 100% \xF0\x9F\x98\x80";
  m.reply_to_provider_id = "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c";
  const auto f = sent_form(m, "/wa/api/v1/msg");
  const json::value msg = json::parse(f.at("message"));
  CHECK(msg.at("type") == "text");
  CHECK(msg.at("text") == "hi & welcome = 100% \xF0\x9F\x98\x80");
  CHECK(msg.at("context").at("msgId") == "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c");
}

TEST_CASE("R-MSG-2 Gupshup media by URL: image, file with name, audio without caption") {
  OutboundMessage m = to_customer();
  m.media = OutboundMessage::Media{MediaKind::image, "", "https://media.example/a.jpg?sig=x&exp=1", "", "look"};
  json::value msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(msg.at("type") == "image");
  CHECK(msg.at("originalUrl") == "https://media.example/a.jpg?sig=x&exp=1");
  CHECK(msg.at("previewUrl") == "https://media.example/a.jpg?sig=x&exp=1");
  CHECK(msg.at("caption") == "look");

  m.media = OutboundMessage::Media{MediaKind::document, "", "https://media.example/b.pdf", "b.pdf", "offer"};
  msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(msg.at("type") == "file");
  CHECK(msg.at("url") == "https://media.example/b.pdf");
  CHECK(msg.at("filename") == "b.pdf");

  m.media = OutboundMessage::Media{MediaKind::audio, "", "https://media.example/c.ogg", "", "dropped", true};
  msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(json::serialize(msg) == R"({"type":"audio","url":"https://media.example/c.ogg"})");

  m.media = OutboundMessage::Media{MediaKind::image, "12345"};  // an uploaded id means nothing to Gupshup
  CHECK(failed(gupshup::build_send(m, kAccount)).reason.find("URL") != std::string::npos);
}

TEST_CASE("R-MSG-2 Gupshup media by URL: video with caption, document caption, the URL's query kept intact") {
  const std::string url = "https://cc.example.com/media/0123456789abcdef0123456789abcdef?exp=1790000600&sig=ab12";
  OutboundMessage m = to_customer();
  m.media = OutboundMessage::Media{MediaKind::video, "", url, "clip.mp4", "watch this"};
  json::value msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(json::serialize(msg) == R"({"type":"video","url":")" + url + R"(","caption":"watch this"})");

  m.media = OutboundMessage::Media{MediaKind::document, "", url, "price list.pdf", "prices"};
  msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(msg.at("type") == "file");
  CHECK(std::string_view(msg.at("url").as_string()) == url);
  CHECK(msg.at("filename") == "price list.pdf");
  CHECK(msg.at("caption") == "prices");

  // An image without caption has none; a reply quotes by context.msgId as text does.
  m.media = OutboundMessage::Media{MediaKind::image, "", url};
  m.reply_to_provider_id = "wamid.quoted";
  msg = json::parse(sent_form(m, "/wa/api/v1/msg").at("message"));
  CHECK(!msg.as_object().contains("caption"));
  CHECK(std::string_view(msg.at("originalUrl").as_string()) == url);
  CHECK(msg.at("context").at("msgId") == "wamid.quoted");
}

TEST_CASE("R-OUT-3 Gupshup template send by template id with params in order") {
  OutboundMessage m = to_customer();
  m.template_message =
      OutboundMessage::Template{"order_update", "en", "c6aecef6-bcb0-4fb1-8100-28c094e3bc6b", {"Agent", "Local Address"}};
  auto f = sent_form(m, "/wa/api/v1/template/msg");
  CHECK(f.at("template") == R"({"id":"c6aecef6-bcb0-4fb1-8100-28c094e3bc6b","params":["Agent","Local Address"]})");
  CHECK(f.count("message") == 0);

  m.template_message->header_media = MediaKind::image;
  m.template_message->header_media_link = "https://media.example/h.jpg";
  f = sent_form(m, "/wa/api/v1/template/msg");
  CHECK(f.at("message") == R"({"type":"image","image":{"link":"https://media.example/h.jpg"}})");

  m.template_message->id.clear();
  CHECK(failed(gupshup::build_send(m, kAccount)).reason.find("template id") != std::string::npos);
}

TEST_CASE("R-MSG-5 Gupshup send answers") {
  SECTION("202 submitted is accepted with Gupshup's messageId") {
    const SendOutcome o =
        gupshup::classify_send_response(202, R"({"status":"submitted","messageId":"ee4a68a0-1203-4c85-8dc3-49d0b3226a35"})");
    CHECK(o.kind == SendOutcome::Kind::accepted);
    CHECK(o.provider_message_id == "ee4a68a0-1203-4c85-8dc3-49d0b3226a35");
    CHECK(gupshup::classify_send_response(202, R"({"status":"success","messageId":"m"})").kind ==
          SendOutcome::Kind::accepted);
  }
  SECTION("status error is permanent with its message, even on a 200") {
    const SendOutcome o = gupshup::classify_send_response(200, R"({"status":"error","message":"Invalid Destination"})");
    CHECK(o.kind == SendOutcome::Kind::permanent);
    CHECK(o.error_title == "Invalid Destination");
    CHECK(gupshup::classify_send_response(401, R"({"status":"error","message":"Authentication Failed"})").kind ==
          SendOutcome::Kind::permanent);
  }
  SECTION("429 is retryable after Retry-After, 503 retryable, other 5xx unknown") {
    const SendOutcome o =
        gupshup::classify_send_response(429, R"({"message":"Too Many Requests","status":"error"})", "5");
    CHECK(o.kind == SendOutcome::Kind::retryable);
    CHECK(o.retry_after == std::chrono::seconds(5));
    CHECK(gupshup::classify_send_response(503, "").kind == SendOutcome::Kind::retryable);
    CHECK(gupshup::classify_send_response(500, "").kind == SendOutcome::Kind::unknown);
    CHECK(gupshup::classify_send_response(504, "").kind == SendOutcome::Kind::unknown);
  }
  SECTION("a 2xx without an id is unknown") {
    CHECK(gupshup::classify_send_response(202, "accepted").kind == SendOutcome::Kind::unknown);
  }
}

TEST_CASE("R-IN-1 Gupshup inbound text: sender, BSUID, context id and gsId") {
  const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_message_text.json")));
  REQUIRE(b.messages.size() == 1);
  const auto& m = b.messages[0];
  CHECK(m.account == "DemoApp");
  CHECK(m.provider_message_id == "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c");
  CHECK(m.from == "918x98xx21x4");
  CHECK(m.profile_name == "Drew");
  CHECK(m.user_id == "IN.3724117084395812");
  CHECK(m.timestamp == 1580227766);
  CHECK(m.type == InboundType::text);
  CHECK(m.text == "Hi");
  CHECK(m.context_provider_id == "gBEGkYaYVSEEAgnPFrOLcjkFjL8");
  CHECK(m.context_gupshup_id == "9b71295f-f7af-4c1f-b2b4-31b4a4867bad");
  CHECK(m.dedupe_key == "msg:ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c");
}

TEST_CASE("Gupshup inbound image carries its URL and expiry, a quick reply its button text") {
  const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_message_image.json")));
  REQUIRE(b.messages.size() == 1);
  const auto& m = b.messages[0];
  CHECK(m.type == InboundType::image);
  CHECK(m.text == "my receipt");
  REQUIRE(m.media);
  CHECK(m.media->url == "https://filemanager.gupshup.io/fm/wamedia/DemoApp/abc");
  CHECK(m.media->url_expiry_ms == 1580832695997);
  CHECK(m.media->mime_type == "image/jpeg");

  const WebhookBatch& q = ok(gupshup::parse_callback(fixture("gupshup_quick_reply.json")));
  REQUIRE(q.messages.size() == 1);
  CHECK(q.messages[0].type == InboundType::button);
  CHECK(q.messages[0].text == "View Account Balance");
}

TEST_CASE("R-MSG-5 Gupshup message events follow the id/gsId rules") {
  SECTION("enqueued: payload.id is Gupshup's, the WhatsApp id is in the inner payload") {
    const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_event_enqueued.json")));
    REQUIRE(b.statuses.size() == 1);
    const auto& s = b.statuses[0];
    CHECK(s.status == DeliveryStatus::enqueued);
    CHECK(s.gupshup_id == "59f8db90-c37e-4408-90ab-cc54ef8246ad");
    CHECK(s.provider_message_id == "gBEGkYaYVSEEAgkD7bRi9syGnBk");
    CHECK(s.recipient == "91XX985XX10X");
    CHECK(s.dedupe_key == "st:59f8db90-c37e-4408-90ab-cc54ef8246ad:enqueued");
  }
  SECTION("sent: payload.id is the WhatsApp id, gsId Gupshup's, ts Meta's time") {
    const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_event_sent.json")));
    const auto& s = b.statuses.at(0);
    CHECK(s.status == DeliveryStatus::sent);
    CHECK(s.provider_message_id == "gBEGkYaYVSEEAgkD7bRi9syGnBk");
    CHECK(s.gupshup_id == "59f8db90-c37e-4408-90ab-cc54ef8246ad");
    CHECK(s.timestamp == 1585344475);
    CHECK(s.dedupe_key == "st:59f8db90-c37e-4408-90ab-cc54ef8246ad:sent");
  }
  SECTION("read more than a week late has no gsId: keyed by the WhatsApp id") {
    const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_event_read_late.json")));
    const auto& s = b.statuses.at(0);
    CHECK(s.status == DeliveryStatus::read);
    CHECK(s.gupshup_id.empty());
    CHECK(s.provider_message_id == "gBEGkYaYVSEEAgkD7bRi9syGnBk");
    CHECK(s.dedupe_key == "st:gBEGkYaYVSEEAgkD7bRi9syGnBk:read");
  }
  SECTION("synchronous failure: Gupshup's id and its code") {
    const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_event_failed_sync.json")));
    const auto& s = b.statuses.at(0);
    CHECK(s.status == DeliveryStatus::failed);
    CHECK(s.gupshup_id == "ee4a68a0-1203-4c85-8dc3-49d0b3226a35");
    CHECK(s.provider_message_id.empty());
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].code == "1002");
    CHECK(s.errors[0].title == "Number Does Not Exist On WhatsApp");
  }
  SECTION("R-OUT-3 asynchronous failure: gsId, the WhatsApp id, and Meta's 131047") {
    const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_event_failed_async.json")));
    const auto& s = b.statuses.at(0);
    CHECK(s.gupshup_id == "72f61f22-5aa4-4615-a970-943edf6da01c");
    CHECK(s.provider_message_id == "gBEGkYaYVSEEAgkD7bRi9syGnBk");
    CHECK(s.errors.at(0).code == "131047");
  }
}

TEST_CASE("Gupshup location, contact and list replies arrive as text") {
  const WebhookBatch& loc = ok(gupshup::parse_callback(
      R"({"app":"A","timestamp":1,"type":"message","payload":{"id":"L1","source":"91","type":"location",)"
      R"("payload":{"longitude":13.405,"latitude":52.52,"name":"Office"}}})"));
  CHECK(loc.messages.at(0).type == InboundType::location);
  CHECK(loc.messages.at(0).text == "Location: 52.52,13.405 Office");
  const WebhookBatch& list = ok(gupshup::parse_callback(
      R"({"app":"A","timestamp":1,"type":"message","payload":{"id":"R1","source":"91","type":"list_reply",)"
      R"("payload":{"title":"Billing","id":"r2","reply":"Billing 1"}}})"));
  CHECK(list.messages.at(0).type == InboundType::interactive);
  CHECK(list.messages.at(0).text == "Billing");
}

TEST_CASE("Gupshup user events and unknown callbacks are skipped, not failed") {
  const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_user_event.json")));
  CHECK(b.messages.empty());
  CHECK(b.statuses.empty());
  REQUIRE(b.skipped.size() == 1);
  CHECK(b.skipped[0].reason == "callback type not handled: user-event (opted-out)");
  CHECK(ok(gupshup::parse_callback(R"({"type":"message","payload":{"type":"text"}})")).skipped.size() == 1);
  CHECK(ok(gupshup::parse_callback(R"({"type":"message-event","payload":{"type":"mismatch","id":"x"}})"))
            .skipped.size() == 1);
  CHECK(failed(gupshup::parse_callback("not json")).kind == ParseFailure::Kind::not_json);
  CHECK(failed(gupshup::parse_callback("[]")).kind == ParseFailure::Kind::not_an_object);
  CHECK(failed(gupshup::parse_callback(R"({"app":"x"})")).kind == ParseFailure::Kind::wrong_object);
}

TEST_CASE("Gupshup v3 (Meta-format) events go through the Meta parser and keep gs_id") {
  const WebhookBatch& b = ok(gupshup::parse_callback(fixture("gupshup_v3_status.json")));
  REQUIRE(b.statuses.size() == 1);
  CHECK(b.statuses[0].status == DeliveryStatus::enqueued);
  CHECK(b.statuses[0].gupshup_id == "7daeb742-f2dc-4c09-90e0-d879d20f7b98");
  CHECK(b.statuses[0].provider_message_id == "wamid.HBgMOTE5MTYzODA1ODczFQIAERgSMDQ4Rj");
}

TEST_CASE("R-SEC-2 Gupshup callbacks are authenticated by the path token and an optional address allow-list") {
  CHECK(gupshup::verify_callback_token("4f1c9e0a7d2b", "4f1c9e0a7d2b"));
  CHECK_FALSE(gupshup::verify_callback_token("4f1c9e0a7d2b", "4f1c9e0a7d2c"));
  CHECK_FALSE(gupshup::verify_callback_token("4f1c9e0a7d2b", "4f1c9e0a7d2"));
  CHECK_FALSE(gupshup::verify_callback_token("4f1c9e0a7d2b", ""));
  CHECK_FALSE(gupshup::verify_callback_token("", ""));  // an unset token refuses everything

  const std::vector<std::string> allow{"203.0.113.0/24", "198.51.100.7", "2001:db8::/32"};
  CHECK(gupshup::source_allowed("203.0.113.200", allow));
  CHECK(gupshup::source_allowed("198.51.100.7", allow));
  CHECK(gupshup::source_allowed("::ffff:203.0.113.9", allow));
  CHECK(gupshup::source_allowed("2001:db8:1::5", allow));
  CHECK_FALSE(gupshup::source_allowed("203.0.114.1", allow));
  CHECK_FALSE(gupshup::source_allowed("198.51.100.8", allow));
  CHECK_FALSE(gupshup::source_allowed("2001:db9::1", allow));
  CHECK_FALSE(gupshup::source_allowed("not an address", allow));
  CHECK(gupshup::source_allowed("192.0.2.1", {}));  // no list: every address
  CHECK_FALSE(gupshup::source_allowed("192.0.2.1", {"192.0.2.0/33"}));
}
