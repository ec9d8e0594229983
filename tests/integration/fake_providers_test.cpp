// The fake providers (FakeMeta, FakeGupshup) through channels::HttpClient,
// and their webhook posters against a loopback receiver: the fakes answer
// in the providers' documented shapes, so adapter tests can trust them.
#include <boost/json.hpp>
#include <mutex>

#include "harness/fake_gupshup.h"
#include "harness/fake_meta.h"
#include "harness/test_certificates.h"
#include "http_client_world.h"

using namespace contactd::test;
using namespace contactd::channels;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

HttpClient graph_client(boost::asio::io_context& io, const FakeMeta& meta, const std::string& ca_file = "") {
  HttpClientOptions o;
  o.base_url = meta.base_url();
  o.default_headers = {{"Authorization", "Bearer " + meta.account().access_token}};
  o.request_timeout = 3s;
  o.ca_file = ca_file;
  return HttpClient(io, o);
}

json::object parse(const std::string& body) {
  return json::parse(body).as_object();
}

std::string text_send(const std::string& to, const std::string& text) {
  return json::serialize(json::object{{"messaging_product", "whatsapp"},
                                      {"recipient_type", "individual"},
                                      {"to", to},
                                      {"type", "text"},
                                      {"text", json::object{{"body", text}}}});
}

// A webhook receiver standing in for contactd: checks X-Hub-Signature-256 and
// answers Meta's GET subscription check; records what it accepted.
struct MetaReceiver {
  explicit MetaReceiver(const MetaAccount& account)
      : server([this, account](const FakeRequest& r) {
          if (r.method == "GET") {
            const bool ok = r.target.find("hub.mode=subscribe") != std::string::npos &&
                            r.target.find("hub.verify_token=" + account.verify_token) != std::string::npos;
            auto at = r.target.find("hub.challenge=");
            if (!ok || at == std::string::npos) return FakeReply::json(403, "{}");
            auto challenge = r.target.substr(at + 14, r.target.find('&', at) - at - 14);
            FakeReply reply;
            reply.body = challenge;
            return reply;
          }
          if (r.header("X-Hub-Signature-256") != meta_signature(account.app_secret, r.body))
            return FakeReply::json(401, "{}");
          std::lock_guard lock(mu);
          accepted.push_back(json::parse(r.body).as_object());
          return FakeReply::json(200, "{}");
        }) {}
  std::string url() const { return server.base_url() + "/webhooks/meta/1"; }
  std::mutex mu;
  std::vector<json::object> accepted;
  FakeHttpServer server;
};

}  // namespace

TEST_CASE("fake Meta: a text send answers with a fresh wamid and is recorded with its headers and JSON") {
  FakeMeta meta;
  IoThread io;
  auto graph = graph_client(io.io(), meta);
  const std::string path = "/v21.0/" + meta.account().phone_number_id + "/messages";
  auto first = response_of(call(graph, "POST", path, text_send("16505551234", "hello"),
                                {{"Content-Type", "application/json"}}));
  auto second = response_of(call(graph, "POST", path, text_send("16505551234", "again")));
  CHECK(first.status == 200);
  auto answer = parse(first.body);
  CHECK(answer.at("messaging_product") == "whatsapp");
  CHECK(answer.at("contacts").as_array()[0].at("wa_id") == "16505551234");
  const auto wamid = std::string(answer.at("messages").as_array()[0].at("id").as_string());
  CHECK(wamid.rfind("wamid.", 0) == 0);
  CHECK(parse(second.body).at("messages").as_array()[0].at("id").as_string() != wamid);
  auto sends = meta.sends();
  REQUIRE(sends.size() == 2);
  CHECK(sends[0].version == "v21.0");
  CHECK(sends[0].wamid == wamid);
  CHECK(sends[0].request.header("Authorization") == "Bearer " + meta.account().access_token);
  CHECK(sends[0].body.at("text").at("body") == "hello");
  CHECK(graph.stats().connections_reused == 1);
}

TEST_CASE("fake Meta: scripted 131047, 500, 429 with Retry-After, hang and drop") {
  FakeMeta meta;
  meta.script({MetaAnswer::window_closed, MetaAnswer::server_error, MetaAnswer::rate_limited, MetaAnswer::drop,
               MetaAnswer::hang, MetaAnswer::ok});
  IoThread io;
  auto graph = graph_client(io.io(), meta);
  const std::string path = "/v21.0/" + meta.account().phone_number_id + "/messages";
  const auto body = text_send("16505551234", "hi");

  auto closed = response_of(call(graph, "POST", path, body));
  CHECK(closed.status == 400);
  auto error = parse(closed.body).at("error").as_object();
  CHECK(error.at("code") == 131047);
  CHECK(error.at("type") == "OAuthException");
  CHECK(error.at("error_data").at("messaging_product") == "whatsapp");
  CHECK(error.contains("fbtrace_id"));

  CHECK(response_of(call(graph, "POST", path, body)).status == 500);

  auto limited = response_of(call(graph, "POST", path, body));
  CHECK(limited.status == 429);
  CHECK(parse(limited.body).at("error").at("code") == 130429);
  REQUIRE(limited.header("Retry-After"));
  CHECK(parse_retry_after(*limited.header("Retry-After"), std::chrono::system_clock::now()) == 30s);

  CHECK(failure_of(call(graph, "POST", path, body)).delivery == HttpDelivery::maybe_sent);  // drop
  auto hung = failure_of(call(graph, HttpRequest{"POST", path, {}, body, 300ms}));
  CHECK(hung.error == HttpError::timeout);
  CHECK(hung.delivery == HttpDelivery::maybe_sent);
  CHECK(response_of(call(graph, "POST", path, body)).status == 200);
  CHECK(meta.sends().size() == 6);
}

TEST_CASE("fake Meta: a wrong token is refused with Graph error 190") {
  FakeMeta meta;
  IoThread io;
  HttpClientOptions o;
  o.base_url = meta.base_url();
  o.default_headers = {{"Authorization", "Bearer wrong"}};
  HttpClient graph(io.io(), o);
  auto r = response_of(call(graph, "POST", "/v21.0/" + meta.account().phone_number_id + "/messages", "{}"));
  CHECK(r.status == 401);
  CHECK(parse(r.body).at("error").at("code") == 190);
  CHECK(meta.sends().empty());
}

TEST_CASE("fake Meta: media metadata, then the bytes with the token, after scripted failures") {
  FakeMeta meta;
  meta.add_media("2754859441498128", "JPEGBYTES", "image/jpeg");
  meta.fail_media_downloads("2754859441498128", 2, 503);
  IoThread io;
  auto graph = graph_client(io.io(), meta);
  auto info = parse(response_of(call(graph, "GET", "/v21.0/2754859441498128")).body);
  CHECK(info.at("mime_type") == "image/jpeg");
  CHECK(info.at("file_size") == 9);
  CHECK(info.at("id") == "2754859441498128");
  CHECK(info.at("sha256").as_string().size() == 64);
  const std::string url(info.at("url").as_string());
  REQUIRE(url.rfind(meta.base_url(), 0) == 0);
  const auto target = url.substr(meta.base_url().size());
  CHECK(response_of(call(graph, "GET", target)).status == 503);
  CHECK(response_of(call(graph, "GET", target)).status == 503);
  auto bytes = response_of(call(graph, "GET", target));
  CHECK(bytes.status == 200);
  CHECK(bytes.body == "JPEGBYTES");
  CHECK(meta.media_downloads("2754859441498128") == 1);
}

TEST_CASE("fake Meta: a multipart upload returns a media id the fake then serves") {
  FakeMeta meta;
  IoThread io;
  auto graph = graph_client(io.io(), meta);
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\napplication/pdf\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"offer.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n%PDF-1.4 fake\r\n--XyZ--\r\n";
  auto r = response_of(call(graph, "POST", "/v21.0/" + meta.account().phone_number_id + "/media", body,
                            {{"Content-Type", "multipart/form-data; boundary=XyZ"}}));
  REQUIRE(r.status == 200);
  const std::string id(parse(r.body).at("id").as_string());
  auto uploads = meta.uploads();
  REQUIRE(uploads.size() == 1);
  CHECK(uploads[0].id == id);
  CHECK(uploads[0].filename == "offer.pdf");
  CHECK(uploads[0].type == "application/pdf");
  CHECK(uploads[0].bytes == "%PDF-1.4 fake");
  CHECK(parse(response_of(call(graph, "GET", "/v21.0/" + id)).body).at("mime_type") == "application/pdf");
}

TEST_CASE("fake Meta: the templates listing page") {
  FakeMeta meta;
  meta.set_templates(json::array{json::object{{"name", "order_update"},
                                              {"language", "en_US"},
                                              {"status", "APPROVED"},
                                              {"category", "UTILITY"},
                                              {"id", "1"}}});
  IoThread io;
  auto graph = graph_client(io.io(), meta);
  auto page = parse(response_of(call(graph, "GET", "/v21.0/" + meta.account().waba_id + "/message_templates")).body);
  REQUIRE(page.at("data").as_array().size() == 1);
  CHECK(page.at("data").as_array()[0].at("name") == "order_update");
  CHECK(page.contains("paging"));
}

TEST_CASE("fake Meta over https: the adapter's client trusts the harness CA") {
  TestCertificates certs;
  FakeMeta meta(MetaAccount{}, certs);
  IoThread io;
  auto graph = graph_client(io.io(), meta, certs.ca_file());
  CHECK(response_of(call(graph, "POST", "/v21.0/" + meta.account().phone_number_id + "/messages",
                         text_send("1", "x")))
            .status == 200);
}

TEST_CASE("fake Meta webhooks: signed, unsigned and wrongly signed posts, and the subscription check") {
  FakeMeta meta;
  MetaReceiver daemon(meta.account());
  namespace w = meta_webhook;
  const auto body = meta.webhook({w::text("16505551234", "wamid.IN1", "Does it come in another color?")}, {},
                                 {w::contact("16505551234", "Sheena Nelson")});
  CHECK(meta.post_webhook(daemon.url(), body) == 200);
  CHECK(meta.post_webhook(daemon.url(), body, FakeMeta::Signing::none) == 401);
  CHECK(meta.post_webhook(daemon.url(), body, FakeMeta::Signing::wrong) == 401);
  {
    std::lock_guard lock(daemon.mu);
    REQUIRE(daemon.accepted.size() == 1);
    const auto& value = daemon.accepted[0].at("entry").as_array()[0].at("changes").as_array()[0].at("value");
    CHECK(daemon.accepted[0].at("object") == "whatsapp_business_account");
    CHECK(value.at("metadata").at("phone_number_id").as_string() == meta.account().phone_number_id);
    CHECK(value.at("messages").as_array()[0].at("text").at("body") == "Does it come in another color?");
    CHECK(value.at("contacts").as_array()[0].at("profile").at("name") == "Sheena Nelson");
  }
  auto verified = meta.verify_webhook(daemon.url(), "1158201444", meta.account().verify_token);
  CHECK(verified.status == 200);
  CHECK(verified.body == "1158201444");
  CHECK(meta.verify_webhook(daemon.url(), "1158201444", "wrong-token").status == 403);
}

TEST_CASE("fake Meta webhooks: every message and status shape, batched over entries and changes") {
  FakeMeta meta;
  MetaReceiver daemon(meta.account());
  namespace w = meta_webhook;
  const auto& a = meta.account();
  json::array messages{w::image("16505551234", "wamid.IMG", "media-1", "look"),
                       w::document("16505551234", "wamid.DOC", "media-2", "invoice.pdf"),
                       w::voice("16505551234", "wamid.VOICE", "media-3"),
                       w::reply(w::text("16505551234", "wamid.REPLY", "yes"), "wamid.OURS", a.display_phone_number),
                       w::reaction("16505551234", "wamid.REACT", "wamid.OURS", "\xF0\x9F\x91\x8D")};
  json::array statuses{w::status("wamid.OURS", "sent", "16505551234", "outbox-7"),
                       w::status("wamid.OURS", "delivered", "16505551234", "outbox-7"),
                       w::status("wamid.OURS", "read", "16505551234"),
                       w::failed("wamid.OTHER", "16505551234", 131026, "Message undeliverable",
                                 "Receiver is incapable of receiving this message", "outbox-8")};
  const auto body = w::body({{a.waba_id, json::array{w::change(a, messages), w::change(a, {}, statuses)}},
                             {a.waba_id, json::array{w::change(a, {w::text("447700900000", "wamid.X", "hi")})}}});
  REQUIRE(meta.post_webhook(daemon.url(), body) == 200);
  std::lock_guard lock(daemon.mu);
  const auto& entries = daemon.accepted.at(0).at("entry").as_array();
  REQUIRE(entries.size() == 2);
  const auto& changes = entries[0].at("changes").as_array();
  REQUIRE(changes.size() == 2);
  const auto& in = changes[0].at("value").at("messages").as_array();
  CHECK(in[0].at("type") == "image");
  CHECK(in[0].at("image").at("id") == "media-1");
  CHECK(in[1].at("document").at("filename") == "invoice.pdf");
  CHECK(in[2].at("audio").at("voice") == true);
  CHECK(in[3].at("context").at("id") == "wamid.OURS");
  CHECK(in[4].at("reaction").at("message_id") == "wamid.OURS");
  const auto& out = changes[1].at("value").at("statuses").as_array();
  CHECK(out[0].at("biz_opaque_callback_data") == "outbox-7");
  CHECK(out[2].at("status") == "read");
  CHECK(out[3].at("errors").as_array()[0].at("code") == 131026);
}

TEST_CASE("fake Gupshup: form-encoded sends answer submitted with a message id, or the scripted errors") {
  FakeGupshup gupshup;
  gupshup.script({GupshupAnswer::submitted, GupshupAnswer::error_in_200, GupshupAnswer::server_error,
                  GupshupAnswer::rate_limited});
  IoThread io;
  HttpClientOptions o;
  o.base_url = gupshup.base_url();
  o.default_headers = {{"apikey", gupshup.account().api_key}};
  HttpClient api(io.io(), o);
  const std::string form = "channel=whatsapp&source=917834811114&destination=919999999999&src.name=ContactdTest"
                           "&message=%7B%22type%22%3A%22text%22%2C%22text%22%3A%22hi+there%22%7D";
  const HttpHeaders headers{{"Content-Type", "application/x-www-form-urlencoded"}};
  auto submitted = response_of(call(api, "POST", "/wa/api/v1/msg", form, headers));
  CHECK(submitted.status == 202);
  CHECK(parse(submitted.body).at("status") == "submitted");
  CHECK(parse(response_of(call(api, "POST", "/wa/api/v1/msg", form, headers)).body).at("status") == "error");
  CHECK(response_of(call(api, "POST", "/wa/api/v1/msg", form, headers)).status == 502);
  auto limited = response_of(call(api, "POST", "/wa/api/v1/msg", form, headers));
  CHECK(limited.status == 429);
  CHECK(limited.header("Retry-After"));
  auto sends = gupshup.sends();
  REQUIRE(sends.size() == 4);
  CHECK(sends[0].form.at("src.name") == "ContactdTest");
  CHECK(sends[0].message.at("text") == "hi there");
  CHECK(sends[0].message_id == std::string(parse(submitted.body).at("messageId").as_string()));

  const std::string template_form =
      "source=917834811114&destination=919999999999"
      "&template=%7B%22id%22%3A%22abc%22%2C%22params%22%3A%5B%22Ana%22%5D%7D";
  CHECK(response_of(call(api, "POST", "/wa/api/v1/template/msg", template_form, headers)).status == 202);
  CHECK(gupshup.sends().back().is_template);
  CHECK(gupshup.sends().back().template_.at("params").as_array()[0] == "Ana");
}

TEST_CASE("fake Gupshup: a wrong api key is refused") {
  FakeGupshup gupshup;
  IoThread io;
  HttpClientOptions o;
  o.base_url = gupshup.base_url();
  HttpClient api(io.io(), o);
  CHECK(response_of(call(api, "POST", "/wa/api/v1/msg", "channel=whatsapp")).status == 401);
}

TEST_CASE("fake Gupshup: v2 message and message-event callbacks reach the daemon's URL") {
  FakeGupshup gupshup;
  std::mutex mu;
  std::vector<json::object> seen;
  FakeHttpServer daemon([&](const FakeRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(json::parse(r.body).as_object());
    return FakeReply::json(200, "{}");
  });
  namespace g = gupshup_callback;
  const std::string app = gupshup.account().app_name, url = daemon.base_url() + "/webhooks/gupshup/token";
  CHECK(gupshup.post_callback(url, g::text(app, "918x98xx21x4", "Drew", "ABEGkYaY", "Hi")) == 200);
  CHECK(gupshup.post_callback(url, g::reply(g::text(app, "918x98xx21x4", "Drew", "ABEG2", "ok"), "gBEGwa", "gs-1")) ==
        200);
  CHECK(gupshup.post_callback(url, g::media(app, "918x98xx21x4", "Drew", "ABEG3", "image", "https://x/y.jpg", "c")) ==
        200);
  CHECK(gupshup.post_callback(url, g::enqueued(app, "gs-1", "919999999999", "gBEGwa")) == 200);
  CHECK(gupshup.post_callback(url, g::event(app, "delivered", "gBEGwa", "gs-1", "919999999999")) == 200);
  CHECK(gupshup.post_callback(url, g::failed(app, "gs-2", "919999999999", 1002, "Number does not exist")) == 200);
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 6);
  CHECK(seen[0].at("type") == "message");
  CHECK(seen[0].at("version") == 2);
  CHECK(seen[0].at("payload").at("payload").at("text") == "Hi");
  CHECK(seen[0].at("payload").at("sender").at("name") == "Drew");
  CHECK(seen[1].at("payload").at("context").at("gsId") == "gs-1");
  CHECK(seen[2].at("payload").at("payload").at("url") == "https://x/y.jpg");
  CHECK(seen[3].at("payload").at("id") == "gs-1");
  CHECK(seen[3].at("payload").at("type") == "enqueued");
  CHECK(seen[4].at("payload").at("id") == "gBEGwa");
  CHECK(seen[4].at("payload").at("gsId") == "gs-1");
  CHECK(seen[5].at("payload").at("payload").at("code") == 1002);
}
