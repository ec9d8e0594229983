// Meta WhatsApp Cloud API requests and answers: send bodies, response
// classification for the outbox, media lookup and upload, template listing
// (research/channels.md §1.5-1.7).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "channels/whatsapp/meta_codec.h"
#include "fixtures.h"

using namespace contactd::channels::whatsapp;
using namespace contactd::channels::whatsapp::test;
namespace json = boost::json;

namespace {

const meta::CloudApiEndpoint kMeta{"v21.0", "106540352242922"};

json::object body_of(const std::variant<HttpRequestSpec, BuildError>& r) {
  const HttpRequestSpec& spec = ok(r);
  CHECK(spec.method == "POST");
  CHECK(spec.content_type == "application/json");
  return json::parse(spec.body).as_object();
}

OutboundMessage to_customer() {
  OutboundMessage m;
  m.to = "16505551234";
  return m;
}

}  // namespace

TEST_CASE("R-MSG-1 a text send is individual, without link preview, and carries the outbox id") {
  OutboundMessage m = to_customer();
  m.text = "hello \xF0\x9F\x98\x80";
  m.correlation = "outbox-41";
  const auto r = meta::build_send(m, kMeta);
  CHECK(ok(r).path == "/v21.0/106540352242922/messages");
  const json::object b = body_of(r);
  CHECK(b.at("messaging_product") == "whatsapp");
  CHECK(b.at("recipient_type") == "individual");
  CHECK(b.at("to") == "16505551234");
  CHECK(b.at("type") == "text");
  CHECK(b.at("text").at("body") == "hello \xF0\x9F\x98\x80");
  CHECK(b.at("text").at("preview_url") == false);
  CHECK(b.at("biz_opaque_callback_data") == "outbox-41");
  CHECK_FALSE(b.contains("context"));
}

TEST_CASE("R-MSG-6 a reply carries context.message_id") {
  OutboundMessage m = to_customer();
  m.text = "about that";
  m.reply_to_provider_id = "wamid.QUOTED";
  CHECK(body_of(meta::build_send(m, kMeta)).at("context").at("message_id") == "wamid.QUOTED");
}

TEST_CASE("R-OUT-3 a template send names the template, its language and body parameters as text") {
  OutboundMessage m = to_customer();
  m.text = "ignored";
  m.template_message = OutboundMessage::Template{"order_delivery_update", "en_US", {}, {"Mark", "566701"}};
  json::object b = body_of(meta::build_send(m, kMeta));
  CHECK(b.at("type") == "template");
  const json::object& t = b.at("template").as_object();
  CHECK(t.at("name") == "order_delivery_update");
  CHECK(t.at("language").at("code") == "en_US");
  const json::array& components = t.at("components").as_array();
  REQUIRE(components.size() == 1);
  CHECK(components[0].at("type") == "body");
  CHECK(components[0].at("parameters").as_array().size() == 2);
  CHECK(components[0].at("parameters").at(1).at("type") == "text");
  CHECK(components[0].at("parameters").at(1).at("text") == "566701");

  SECTION("with a header image by uploaded id") {
    m.template_message->header_media = MediaKind::image;
    m.template_message->header_media_id = "4490709327";
    b = body_of(meta::build_send(m, kMeta));
    const json::value& header = b.at("template").at("components").at(0);
    CHECK(header.at("type") == "header");
    CHECK(header.at("parameters").at(0).at("type") == "image");
    CHECK(header.at("parameters").at(0).at("image").at("id") == "4490709327");
  }
  SECTION("without parameters there are no components") {
    m.template_message->parameters.clear();
    CHECK_FALSE(body_of(meta::build_send(m, kMeta)).at("template").as_object().contains("components"));
  }
  SECTION("a template without language is refused before anything is sent") {
    m.template_message->language.clear();
    CHECK(failed(meta::build_send(m, kMeta)).reason.find("language") != std::string::npos);
  }
}

TEST_CASE("R-MSG-2 media goes by id or link, with a caption except for audio and stickers") {
  OutboundMessage m = to_customer();
  SECTION("document by link with file name and caption") {
    m.media = OutboundMessage::Media{MediaKind::document, "", "https://files.example/x.pdf", "x.pdf", "the offer"};
    const json::object b = body_of(meta::build_send(m, kMeta));
    CHECK(b.at("type") == "document");
    CHECK(b.at("document").at("link") == "https://files.example/x.pdf");
    CHECK(b.at("document").at("filename") == "x.pdf");
    CHECK(b.at("document").at("caption") == "the offer");
  }
  SECTION("image by id: the id wins over a link") {
    m.media = OutboundMessage::Media{MediaKind::image, "1234", "https://files.example/y.png", "", "look"};
    const json::object b = body_of(meta::build_send(m, kMeta));
    CHECK(b.at("image").at("id") == "1234");
    CHECK_FALSE(b.at("image").as_object().contains("link"));
    CHECK(b.at("image").at("caption") == "look");
  }
  SECTION("audio and sticker drop the caption") {
    m.media = OutboundMessage::Media{MediaKind::sticker, "77", "", "", "dropped"};
    CHECK_FALSE(body_of(meta::build_send(m, kMeta)).at("sticker").as_object().contains("caption"));
  }
  SECTION("R-MSG-4 a voice note is audio with voice true") {
    m.media = OutboundMessage::Media{MediaKind::audio, "880011", "", "", "dropped", true};
    const json::object b = body_of(meta::build_send(m, kMeta));
    CHECK(b.at("type") == "audio");
    CHECK(json::serialize(b.at("audio")) == R"({"id":"880011","voice":true})");
  }
  SECTION("refused: no id nor link, voice on an image, nothing at all, no recipient") {
    m.media = OutboundMessage::Media{MediaKind::image};
    CHECK_FALSE(std::holds_alternative<HttpRequestSpec>(meta::build_send(m, kMeta)));
    m.media = OutboundMessage::Media{MediaKind::image, "1", "", "", "", true};
    CHECK_FALSE(std::holds_alternative<HttpRequestSpec>(meta::build_send(m, kMeta)));
    m.media.reset();
    CHECK_FALSE(std::holds_alternative<HttpRequestSpec>(meta::build_send(m, kMeta)));
    OutboundMessage nobody;
    nobody.text = "hi";
    CHECK_FALSE(std::holds_alternative<HttpRequestSpec>(meta::build_send(nobody, kMeta)));
  }
}

TEST_CASE("WhatsApp Business (a Cloud-API BSP) uses the same bodies on version-less paths") {
  OutboundMessage m = to_customer();
  m.text = "hi";
  CHECK(ok(meta::build_send(m, meta::CloudApiEndpoint{})).path == "/messages");
  CHECK(meta::media_lookup_request(meta::CloudApiEndpoint{}, "55").path == "/55");
  CHECK(meta::media_lookup_request(kMeta, "55").path == "/v21.0/55");
}

TEST_CASE("R-MSG-5 send answers: accepted, permanent, retryable or unknown") {
  SECTION("200 with messages[0].id is accepted with the wamid") {
    const SendOutcome o = meta::classify_send_response(200, fixture("meta_send_ok.json"));
    CHECK(o.kind == SendOutcome::Kind::accepted);
    CHECK(o.provider_message_id == "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
  }
  SECTION("held_for_quality_assessment is still accepted") {
    const SendOutcome o = meta::classify_send_response(
        200, R"({"messages":[{"id":"wamid.H","message_status":"held_for_quality_assessment"}]})");
    CHECK(o.kind == SendOutcome::Kind::accepted);
  }
  SECTION("R-OUT-3 131047 is permanent with Meta's code, title and details") {
    const SendOutcome o = meta::classify_send_response(400, fixture("meta_send_131047.json"));
    CHECK(o.kind == SendOutcome::Kind::permanent);
    CHECK(o.error_code == "131047");
    CHECK(o.error_title == "(#131047) Re-engagement message");
    CHECK(o.error_details.find("24 hours") != std::string::npos);
  }
  SECTION("other permanent codes") {
    for (int code : {131026, 131049, 131048, 190, 368, 100, 132000, 132001, 132015})
      CHECK(meta::classify_send_response(400, R"({"error":{"message":"x","code":)" + std::to_string(code) + "}}").kind ==
            SendOutcome::Kind::permanent);
  }
  SECTION("HTTP 429 with 130429 is retryable after Retry-After") {
    const SendOutcome o = meta::classify_send_response(429, fixture("meta_send_429.json"), "30");
    CHECK(o.kind == SendOutcome::Kind::retryable);
    CHECK(o.error_code == "130429");
    CHECK(o.retry_after == std::chrono::seconds(30));
  }
  SECTION("a bare 429 and a 503 are retryable; an HTTP-date Retry-After leaves the backoff to the sender") {
    const SendOutcome o = meta::classify_send_response(429, "<html>slow down</html>", " 12 ");
    CHECK(o.kind == SendOutcome::Kind::retryable);
    CHECK(o.retry_after == std::chrono::seconds(12));
    CHECK(o.error_code == "http_429");
    const SendOutcome u = meta::classify_send_response(503, "", "Wed, 21 Oct 2026 07:28:00 GMT");
    CHECK(u.kind == SendOutcome::Kind::retryable);
    CHECK(u.retry_after == std::chrono::seconds(0));
  }
  SECTION("other retryable codes") {
    for (int code : {131056, 4, 80007})
      CHECK(meta::classify_send_response(400, R"({"error":{"message":"x","code":)" + std::to_string(code) + "}}").kind ==
            SendOutcome::Kind::retryable);
  }
  SECTION("500, 502 and 504 are unknown: the send may have happened") {
    CHECK(meta::classify_send_response(500, fixture("meta_send_500.json")).kind == SendOutcome::Kind::unknown);
    CHECK(meta::classify_send_response(502, "Bad gateway").kind == SendOutcome::Kind::unknown);
    CHECK(meta::classify_send_response(504, "").kind == SendOutcome::Kind::unknown);
  }
  SECTION("an unparseable 200 is unknown, not accepted") {
    CHECK(meta::classify_send_response(200, "OK").kind == SendOutcome::Kind::unknown);
    CHECK(meta::classify_send_response(200, R"({"messages":[]})").kind == SendOutcome::Kind::unknown);
  }
  SECTION("an unlisted code keeps the HTTP verdict and Meta's words") {
    const SendOutcome o = meta::classify_send_response(400, R"({"error":{"message":"odd","code":999999}})");
    CHECK(o.kind == SendOutcome::Kind::permanent);
    CHECK(o.error_code == "999999");
    CHECK(o.error_title == "odd");
  }
}

TEST_CASE("Media lookup gives the short-lived URL, type, hash and size") {
  const auto& m = ok(meta::parse_media_lookup(fixture("meta_media_lookup.json")));
  CHECK(m.url.rfind("https://lookaside.fbsbx.com/", 0) == 0);
  CHECK(m.mime_type == "image/jpeg");
  CHECK(m.file_size == 303833);  // Meta writes it as a string
  CHECK(m.id == "2754859441498128");
  CHECK(ok(meta::parse_media_lookup(R"({"url":"https://x","file_size":12})")).file_size == 12);
  CHECK(failed(meta::parse_media_lookup(R"({"error":{"code":100}})")).kind == ParseFailure::Kind::malformed);
  CHECK(failed(meta::parse_media_lookup("nope")).kind == ParseFailure::Kind::not_json);
}

TEST_CASE("Media upload is multipart with messaging_product, type and the file, streamable") {
  const auto& u = ok(meta::build_media_upload(kMeta, "audio/ogg", "voice \"1\".ogg", "XyZ-boundary-42"));
  CHECK(u.path == "/v21.0/106540352242922/media");
  CHECK(u.content_type == "multipart/form-data; boundary=XyZ-boundary-42");
  const std::string body = meta::multipart_body(u, "OggS...");
  CHECK(body.size() == u.content_length(7));
  CHECK(body ==
        "--XyZ-boundary-42\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"
        "--XyZ-boundary-42\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\naudio/ogg\r\n"
        "--XyZ-boundary-42\r\nContent-Disposition: form-data; name=\"file\"; filename=\"voice 1.ogg\"\r\n"
        "Content-Type: audio/ogg\r\n\r\nOggS...\r\n--XyZ-boundary-42--\r\n");
  CHECK_FALSE(std::holds_alternative<meta::MultipartUpload>(meta::build_media_upload(kMeta, "a/b", "f", "")));
  CHECK_FALSE(std::holds_alternative<meta::MultipartUpload>(meta::build_media_upload(kMeta, "a/b", "f", "bad\r\nb")));
  CHECK_FALSE(std::holds_alternative<meta::MultipartUpload>(meta::build_media_upload(kMeta, "a/b\r\nX: y", "f", "b")));

  const auto up = meta::parse_media_upload_response(200, R"({"id":"1013859600285441"})");
  CHECK(up.result.kind == SendOutcome::Kind::accepted);
  CHECK(up.media_id == "1013859600285441");
  const auto refused = meta::parse_media_upload_response(400, R"({"error":{"message":"bad type","code":131053}})");
  CHECK(refused.result.kind == SendOutcome::Kind::permanent);
  CHECK(refused.media_id.empty());
}

TEST_CASE("Template listing: every template with status, body, header, buttons, and the paging cursor") {
  const auto req = meta::template_listing_request(kMeta, "102290129340398", "QVFI+k=", 50);
  CHECK(req.method == "GET");
  CHECK(req.path ==
        "/v21.0/102290129340398/message_templates?fields=id,name,language,status,category,components&limit=50"
        "&after=QVFI%2Bk%3D");

  const auto& page = ok(meta::parse_template_listing(fixture("meta_templates_page1.json")));
  REQUIRE(page.templates.size() == 2);
  const auto& t = page.templates[0];
  CHECK(t.name == "order_delivery_update");
  CHECK(t.language == "en_US");
  CHECK(t.category == "UTILITY");
  CHECK(t.usable());
  CHECK(t.body == "Good news {{1}}! Your order #{{2}} is on its way. Thank you {{1}}!");
  CHECK(t.parameter_count == 2);  // {{1}} twice counts once
  CHECK(t.header_format == "IMAGE");
  CHECK(t.buttons == std::vector<std::string>{"Stop", "Track"});
  CHECK(t.id == "1666542899935607");
  CHECK_FALSE(page.templates[1].usable());  // REJECTED is listed, not usable
  CHECK(page.skipped.size() == 2);
  CHECK(page.next_cursor == "QVFIUk5hZAp");

  const auto& last = ok(meta::parse_template_listing(fixture("meta_templates_page2.json")));
  CHECK(last.next_cursor.empty());  // cursors without next: the last page
  CHECK(last.templates[0].header_text == "Hello");
  CHECK(last.templates[0].parameter_count == 0);
  CHECK(failed(meta::parse_template_listing(R"({"error":{}})")).kind == ParseFailure::Kind::malformed);
}
