#include "harness/fake_gupshup.h"

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>

#include "harness/http_call.h"

namespace contactd::test {

namespace json = boost::json;

namespace {

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

json::value parse_or_null(const std::map<std::string, std::string>& form, const std::string& key) {
  auto it = form.find(key);
  if (it == form.end()) return nullptr;
  boost::system::error_code ec;
  auto v = json::parse(it->second, ec);
  return ec ? json::value(nullptr) : v;
}

long long now_ms() {
  static std::atomic<long long> next{1580227766370};
  return next += 1000;
}

json::object envelope(const std::string& app, const std::string& type, json::object payload) {
  return json::object{
      {"app", app}, {"timestamp", now_ms()}, {"version", 2}, {"type", type}, {"payload", std::move(payload)}};
}

json::object sender(const std::string& phone, const std::string& name) {
  return json::object{{"phone", phone}, {"name", name}, {"country_code", phone.substr(0, 2)},
                      {"dial_code", phone.substr(2)}};
}

}  // namespace

std::map<std::string, std::string> decode_form(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(start, end - start);
    const auto eq = pair.find('=');
    out[percent_decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

FakeGupshup::FakeGupshup(GupshupAccount account)
    : account_(std::move(account)), server_([this](const FakeRequest& r) { return handle(r); }) {}

FakeGupshup::FakeGupshup(GupshupAccount account, const TestCertificates& tls)
    : account_(std::move(account)), server_([this](const FakeRequest& r) { return handle(r); }, tls) {}

void FakeGupshup::script(std::vector<GupshupAnswer> answers) {
  std::lock_guard lock(mu_);
  script_.assign(answers.begin(), answers.end());
}

std::vector<GupshupSend> FakeGupshup::sends() const {
  std::lock_guard lock(mu_);
  return sends_;
}

FakeReply FakeGupshup::handle(const FakeRequest& request) {
  if (request.header("apikey") != account_.api_key)
    return FakeReply::json(401, R"({"status":"error","message":"Authentication Failed"})");
  const auto path = request.path();
  if (request.method != "POST" || (path != "/wa/api/v1/msg" && path != "/wa/api/v1/template/msg"))
    return FakeReply::json(404, R"({"status":"error","message":"Not Found"})");
  std::lock_guard lock(mu_);
  GupshupSend s;
  s.is_template = path == "/wa/api/v1/template/msg";
  s.request = request;
  s.form = decode_form(request.body);
  s.message = parse_or_null(s.form, "message");
  s.template_ = parse_or_null(s.form, "template");
  if (!script_.empty()) {
    s.answer = script_.front();
    script_.pop_front();
  }
  const bool complete = s.form.count("source") && s.form.count("destination") &&
                        (s.is_template ? !s.template_.is_null() : !s.message.is_null());
  FakeReply reply;
  if (!complete && s.answer == GupshupAnswer::submitted) {
    reply = FakeReply::json(400, R"({"status":"error","message":"Invalid Request"})");
  } else {
    switch (s.answer) {
      case GupshupAnswer::submitted: {
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "%08x-799e-483c-81f4-%012x", static_cast<unsigned>(server_.port()),
                      static_cast<unsigned>(++next_id_));
        s.message_id = uuid;
        reply = FakeReply::json(202, json::serialize(json::object{{"status", "submitted"}, {"messageId", uuid}}));
        break;
      }
      case GupshupAnswer::error_in_200:
        reply = FakeReply::json(200, R"({"status":"error","message":"Invalid Destination"})");
        break;
      case GupshupAnswer::server_error:
        reply = FakeReply::json(502, R"({"status":"error","message":"Bad Gateway"})");
        break;
      case GupshupAnswer::rate_limited:
        reply = FakeReply::json(429, R"({"status":"error","message":"Too Many Requests"})");
        reply.headers.emplace_back("Retry-After", "5");
        break;
      case GupshupAnswer::hang:
        reply = FakeReply::hang();
        break;
      case GupshupAnswer::drop:
        reply = FakeReply::drop();
        break;
    }
  }
  sends_.push_back(std::move(s));
  return reply;
}

int FakeGupshup::post_callback(const std::string& url, const json::object& callback,
                               const std::string& ca_file) const {
  HttpCallOptions options;
  options.body = json::serialize(callback);
  options.ca_file = ca_file;
  options.headers = {{"Content-Type", "application/json"}};
  return http_call("POST", url, options).status;
}

namespace gupshup_callback {

json::object text(const std::string& app, const std::string& phone, const std::string& name, const std::string& id,
                  const std::string& text) {
  return envelope(app, "message",
                  json::object{{"id", id},
                               {"source", phone},
                               {"type", "text"},
                               {"payload", json::object{{"text", text}}},
                               {"sender", sender(phone, name)}});
}

json::object media(const std::string& app, const std::string& phone, const std::string& name, const std::string& id,
                   const std::string& type, const std::string& url, const std::string& caption) {
  json::object payload{{"url", url}, {"urlExpiry", now_ms() + 7 * 24 * 3600 * 1000LL}};
  if (!caption.empty()) payload["caption"] = caption;
  return envelope(app, "message",
                  json::object{{"id", id},
                               {"source", phone},
                               {"type", type},
                               {"payload", std::move(payload)},
                               {"sender", sender(phone, name)}});
}

json::object reply(json::object message, const std::string& whatsapp_id, const std::string& gs_id) {
  message["payload"].as_object()["context"] = json::object{{"id", whatsapp_id}, {"gsId", gs_id}};
  return message;
}

json::object enqueued(const std::string& app, const std::string& gs_id, const std::string& destination,
                      const std::string& whatsapp_id) {
  json::object payload{{"type", "session"}};
  if (!whatsapp_id.empty()) payload["whatsappMessageId"] = whatsapp_id;
  return envelope(app, "message-event",
                  json::object{{"id", gs_id},
                               {"gsId", gs_id},
                               {"type", "enqueued"},
                               {"destination", destination},
                               {"payload", std::move(payload)}});
}

json::object event(const std::string& app, const std::string& type, const std::string& whatsapp_id,
                   const std::string& gs_id, const std::string& destination) {
  return envelope(app, "message-event",
                  json::object{{"id", whatsapp_id},
                               {"gsId", gs_id},
                               {"type", type},
                               {"destination", destination},
                               {"payload", json::object{{"ts", now_ms() / 1000}}}});
}

json::object failed(const std::string& app, const std::string& gs_id, const std::string& destination, int code,
                    const std::string& reason) {
  return envelope(app, "message-event",
                  json::object{{"id", gs_id},
                               {"gsId", gs_id},
                               {"type", "failed"},
                               {"destination", destination},
                               {"payload", json::object{{"code", code}, {"reason", reason}}}});
}

}  // namespace gupshup_callback

}  // namespace contactd::test
