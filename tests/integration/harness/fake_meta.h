#pragma once
// A fake of Meta's WhatsApp Cloud API (Graph) on loopback, and the webhooks
// Meta sends, for the Meta adapter's tests (channels.md 1.3 to 1.7).
//
// It serves, for any version v<NN>.0, each request needing
// "Authorization: Bearer <access_token>" (else 401, Graph error code 190):
//   POST /v<NN>.0/<phone_number_id>/messages   records the send, answers from the script
//   GET  /v<NN>.0/<media_id>                    {"url":"<base>/media-bytes/<id>","mime_type","sha256","file_size","id"}
//   GET  /media-bytes/<media_id>                the bytes (after the scripted failures)
//   POST /v<NN>.0/<phone_number_id>/media       multipart upload (file, type, messaging_product): {"id":...}
//   GET  /v<NN>.0/<waba_id>/message_templates   one page of templates
// Anything else: 404 with a Graph error (code 100).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/fake_http_server.h"
#include "harness/http_call.h"

namespace contactd::test {

// How the fake serves one media file.
struct MediaServing {
  bool chunked{false};                     // without Content-Length, as a stream
  std::optional<std::size_t> lookup_size;  // the file_size the lookup claims (default: the true size)
};

struct MetaAccount {
  std::string access_token{"meta-test-token"};
  std::string app_secret{"meta-test-app-secret"};
  std::string verify_token{"meta-test-verify-token"};
  std::string phone_number_id{"106540352242922"};
  std::string display_phone_number{"15550783881"};
  std::string waba_id{"102290129340398"};
  // Non-empty: the fake is a Cloud-API-compatible BSP (provider
  // whatsapp_business, e.g. 360dialog's "D360-API-KEY"): requests carry
  // "<bsp_header>: <access_token>" instead of a bearer token, and paths have
  // neither version nor number id (POST /messages, POST /media, GET /<media id>).
  std::string bsp_header;
};

// How the fake answers one POST .../messages.
enum class MetaAnswer {
  ok,              // 200 with a fresh wamid
  window_closed,   // 400, error 131047 (re-engagement: more than 24 h since the customer wrote)
  server_error,    // 500, a transient Graph error (code 1)
  rate_limited,    // 429 with Retry-After, error 130429
  hang,            // never answers
  drop,            // closes the connection after reading the request
};

struct MetaSend {
  std::string version;          // "v21.0"
  std::string phone_number_id;  // from the path
  FakeRequest request;          // headers and raw body
  boost::json::value body;      // the body parsed (null if not JSON)
  MetaAnswer answer{MetaAnswer::ok};
  std::string wamid;  // the id answered (ok only)
};

struct MetaUpload {
  std::string id;  // the media id answered
  std::string messaging_product, type;
  std::string filename, content_type;  // of the "file" part
  std::string bytes;                   // the file, when at most 1 MiB (else only its size and hash)
  std::size_t size{0};
  std::string sha256;  // lower-case hex
};

class FakeMeta {
 public:
  explicit FakeMeta(MetaAccount account = {});
  FakeMeta(MetaAccount account, const TestCertificates& tls);  // https

  const MetaAccount& account() const { return account_; }
  std::string base_url() const { return server_.base_url(); }  // the adapter's Graph base URL
  FakeHttpServer& server() { return server_; }

  // The answers to the next sends, in order; once used up: ok.
  void script(std::vector<MetaAnswer> answers);
  void set_retry_after(std::string value);  // for rate_limited; "30" unless set
  std::vector<MetaSend> sends() const;
  // Called (under the fake's lock: keep it short) as each send arrives.
  void on_send(std::function<void(const MetaSend&)> fn);

  // Media the fake can serve; `sha256` is computed. Kept once and sent from
  // there, however often it is downloaded.
  void add_media(const std::string& id, std::string bytes, std::string mime_type, MediaServing serving = {});
  // The next `times` downloads of `id`'s bytes answer `status`.
  void fail_media_downloads(const std::string& id, int times, unsigned status = 500);
  int media_downloads(const std::string& id) const;  // answered with the bytes
  std::vector<MetaUpload> uploads() const;
  // The "data" of GET .../message_templates (Meta's template objects).
  void set_templates(boost::json::array templates);

  // A webhook body: {"object":"whatsapp_business_account","entry":[{"id":waba,"changes":[
  // {"field":"messages","value":{"messaging_product","metadata",contacts?,messages?,statuses?}}]}]}
  std::string webhook(boost::json::array messages, boost::json::array statuses = {},
                      boost::json::array contacts = {}) const;

  enum class Signing { valid, none, wrong };
  // POSTs `body` to the daemon's `url` with X-Hub-Signature-256 (per `signing`);
  // returns the HTTP status (0: no answer).
  int post_webhook(const std::string& url, const std::string& body, Signing signing = Signing::valid,
                   const std::string& ca_file = "") const;
  // Meta's subscription check: GET url?hub.mode=..&hub.verify_token=..&hub.challenge=..
  HttpCallReply verify_webhook(const std::string& url, const std::string& challenge,
                               const std::string& verify_token, const std::string& mode = "subscribe",
                               const std::string& ca_file = "") const;

 private:
  FakeReply handle(const FakeRequest& request);
  FakeReply send(const FakeRequest& request, const std::string& version, const std::string& phone);

  MetaAccount account_;
  mutable std::mutex mu_;
  std::deque<MetaAnswer> script_;
  std::function<void(const MetaSend&)> on_send_;
  std::string retry_after_{"30"};
  std::vector<MetaSend> sends_;
  struct Media {
    std::shared_ptr<const std::string> bytes;
    std::string mime_type, sha256;
    MediaServing serving;
    int failures_left{0};
    unsigned failure_status{500};
    int downloads{0};
  };
  std::map<std::string, Media> media_;
  std::vector<MetaUpload> uploads_;
  boost::json::array templates_;
  int next_id_{0};
  FakeHttpServer server_;  // last: its thread calls handle()
};

// "sha256=<hex HMAC-SHA256(app_secret, body)>"
std::string meta_signature(const std::string& app_secret, const std::string& body);

// Pieces of Meta webhooks, in the documented shapes (channels.md 1.3, 1.4).
namespace meta_webhook {
boost::json::object contact(const std::string& wa_id, const std::string& name);
boost::json::object text(const std::string& from, const std::string& wamid, const std::string& body);
boost::json::object image(const std::string& from, const std::string& wamid, const std::string& media_id,
                          const std::string& caption = "", const std::string& mime_type = "image/jpeg");
boost::json::object document(const std::string& from, const std::string& wamid, const std::string& media_id,
                             const std::string& filename, const std::string& mime_type = "application/pdf");
boost::json::object voice(const std::string& from, const std::string& wamid, const std::string& media_id);
boost::json::object reaction(const std::string& from, const std::string& wamid, const std::string& to_wamid,
                             const std::string& emoji);
// `message` as a reply: adds "context":{"from":business_number,"id":quoted_wamid}.
boost::json::object reply(boost::json::object message, const std::string& quoted_wamid,
                          const std::string& business_number);
// status is "sent", "delivered", "read" or "played".
boost::json::object status(const std::string& wamid, const std::string& status, const std::string& recipient,
                           const std::string& biz_opaque_callback_data = "");
boost::json::object failed(const std::string& wamid, const std::string& recipient, int code,
                           const std::string& title, const std::string& details,
                           const std::string& biz_opaque_callback_data = "");
// A change of `account` (one phone number) holding these messages/statuses.
boost::json::object change(const MetaAccount& account, boost::json::array messages, boost::json::array statuses = {},
                           boost::json::array contacts = {});
// The whole body: several entries, each {"id":waba_id,"changes":[...]} (batched deliveries).
std::string body(const std::vector<std::pair<std::string, boost::json::array>>& entries_by_waba);
}  // namespace meta_webhook

}  // namespace contactd::test
