#pragma once
// A fake of Gupshup's WhatsApp API on loopback, and the v2 callbacks Gupshup
// sends, for the Gupshup adapter's tests (channels.md 3).
//
// It serves, each request needing the header "apikey: <api_key>" (else 401):
//   POST /wa/api/v1/msg           form: channel, source, destination, src.name, message (JSON)
//   POST /wa/api/v1/template/msg  form: source, destination, template (JSON), message (JSON, media templates)
// and answers from the script: 202 {"status":"submitted","messageId":"<uuid>"} by default.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/fake_http_server.h"

namespace contactd::test {

struct GupshupAccount {
  std::string api_key{"gupshup-test-key"};
  std::string app_name{"ContactdTest"};
  std::string source_number{"917834811114"};
};

enum class GupshupAnswer {
  submitted,     // 202 {"status":"submitted","messageId":"<uuid>"}
  error_in_200,  // 200 {"status":"error","message":"Invalid Destination"}
  server_error,  // 502
  rate_limited,  // 429 with Retry-After
  hang,          // never answers
  drop,          // closes the connection after reading the request
};

struct GupshupSend {
  bool is_template{false};                 // /template/msg
  FakeRequest request;                     // headers and raw body
  std::map<std::string, std::string> form; // the decoded fields
  boost::json::value message;              // "message" parsed (null if absent or not JSON)
  boost::json::value template_;            // "template" parsed (template sends)
  GupshupAnswer answer{GupshupAnswer::submitted};
  std::string message_id;  // submitted only
};

class FakeGupshup {
 public:
  explicit FakeGupshup(GupshupAccount account = {});
  FakeGupshup(GupshupAccount account, const TestCertificates& tls);  // https

  const GupshupAccount& account() const { return account_; }
  std::string base_url() const { return server_.base_url(); }  // the adapter's API base URL
  FakeHttpServer& server() { return server_; }

  // The answers to the next sends, in order; once used up: submitted.
  void script(std::vector<GupshupAnswer> answers);
  std::vector<GupshupSend> sends() const;

  // POSTs a callback (JSON) to the daemon's `url`; returns the HTTP status (0: no answer).
  int post_callback(const std::string& url, const boost::json::object& callback, const std::string& ca_file = "") const;

 private:
  FakeReply handle(const FakeRequest& request);

  GupshupAccount account_;
  mutable std::mutex mu_;
  std::deque<GupshupAnswer> script_;
  std::vector<GupshupSend> sends_;
  int next_id_{0};
  FakeHttpServer server_;  // last: its thread calls handle()
};

// Decodes application/x-www-form-urlencoded.
std::map<std::string, std::string> decode_form(const std::string& body);

// v2 callbacks (channels.md 3.1, 3.2): {"app","timestamp","version":2,"type",payload}.
namespace gupshup_callback {
// type "message": a text from `phone` (gupshup message id `id`).
boost::json::object text(const std::string& app, const std::string& phone, const std::string& name,
                         const std::string& id, const std::string& text);
// type "message" with an image/file/audio/video at `url` (expires).
boost::json::object media(const std::string& app, const std::string& phone, const std::string& name,
                          const std::string& id, const std::string& type, const std::string& url,
                          const std::string& caption = "");
// `message` as a reply to `whatsapp_id` (gsId: Gupshup's id of the quoted message).
boost::json::object reply(boost::json::object message, const std::string& whatsapp_id, const std::string& gs_id);
// type "message-event": enqueued (id = gsId; payload.whatsappMessageId when given), sent/delivered/read
// (id = the WhatsApp id).
boost::json::object enqueued(const std::string& app, const std::string& gs_id, const std::string& destination,
                             const std::string& whatsapp_id = "");
boost::json::object event(const std::string& app, const std::string& type, const std::string& whatsapp_id,
                          const std::string& gs_id, const std::string& destination);
boost::json::object failed(const std::string& app, const std::string& gs_id, const std::string& destination,
                           int code, const std::string& reason);
}  // namespace gupshup_callback

}  // namespace contactd::test
