#include "harness/fake_meta.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <regex>
#include "support/test_files.h"

namespace contactd::test {

namespace json = boost::json;

namespace {

std::string hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// Graph's error envelope.
FakeReply graph_error(unsigned status, int code, const std::string& message, const std::string& details = "") {
  json::object error{{"message", message}, {"type", "OAuthException"}, {"code", code}};
  if (!details.empty()) error["error_data"] = json::object{{"messaging_product", "whatsapp"}, {"details", details}};
  error["fbtrace_id"] = "AZfakeTrace" + std::to_string(code);
  return FakeReply::json(status, json::serialize(json::object{{"error", std::move(error)}}));
}

struct Part {
  std::string name, filename, content_type, data;
};

// The parts of a multipart/form-data body (RFC 7578); empty if malformed.
std::vector<Part> multipart(const std::string& content_type, const std::string& body) {
  const auto at = content_type.find("boundary=");
  if (at == std::string::npos) return {};
  std::string boundary = content_type.substr(at + 9);
  if (!boundary.empty() && boundary.front() == '"') boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  const std::string delimiter = "--" + boundary;
  std::vector<Part> parts;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) break;  // the closing delimiter
    pos += 2;                                     // CRLF
    const auto headers_end = body.find("\r\n\r\n", pos);
    const auto next = body.find("\r\n" + delimiter, headers_end);
    if (headers_end == std::string::npos || next == std::string::npos) return {};
    Part part;
    const std::string headers = body.substr(pos, headers_end - pos);
    std::smatch m;
    if (std::regex_search(headers, m, std::regex(R"(name="([^"]*)\")"))) part.name = m[1];
    if (std::regex_search(headers, m, std::regex(R"(filename="([^"]*)\")"))) part.filename = m[1];
    if (std::regex_search(headers, m, std::regex(R"(Content-Type:\s*([^\r\n]*))", std::regex::icase)))
      part.content_type = m[1];
    part.data = body.substr(headers_end + 4, next - headers_end - 4);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
  return parts;
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool is_version(const std::string& s) {
  return std::regex_match(s, std::regex(R"(v[0-9]+\.0)"));
}

}  // namespace

FakeMeta::FakeMeta(MetaAccount account)
    : account_(std::move(account)), server_([this](const FakeRequest& r) { return handle(r); }) {}

FakeMeta::FakeMeta(MetaAccount account, const TestCertificates& tls)
    : account_(std::move(account)), server_([this](const FakeRequest& r) { return handle(r); }, tls) {}

void FakeMeta::script(std::vector<MetaAnswer> answers) {
  std::lock_guard lock(mu_);
  script_.assign(answers.begin(), answers.end());
}

void FakeMeta::set_retry_after(std::string value) {
  std::lock_guard lock(mu_);
  retry_after_ = std::move(value);
}

std::vector<MetaSend> FakeMeta::sends() const {
  std::lock_guard lock(mu_);
  return sends_;
}

void FakeMeta::add_media(const std::string& id, std::string bytes, std::string mime_type, MediaServing serving) {
  std::lock_guard lock(mu_);
  auto& m = media_[id];
  m.serving = serving;
  m.sha256 = sha256_hex(bytes);
  m.bytes = std::make_shared<const std::string>(std::move(bytes));
  m.mime_type = std::move(mime_type);
}

void FakeMeta::fail_media_downloads(const std::string& id, int times, unsigned status) {
  std::lock_guard lock(mu_);
  media_[id].failures_left = times;
  media_[id].failure_status = status;
}

int FakeMeta::media_downloads(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = media_.find(id);
  return it == media_.end() ? 0 : it->second.downloads;
}

std::vector<MetaUpload> FakeMeta::uploads() const {
  std::lock_guard lock(mu_);
  return uploads_;
}

void FakeMeta::set_templates(json::array templates) {
  std::lock_guard lock(mu_);
  templates_ = std::move(templates);
}

FakeReply FakeMeta::handle(const FakeRequest& request) {
  const bool bsp = !account_.bsp_header.empty();
  if (bsp ? request.header(account_.bsp_header) != account_.access_token
          : request.header("Authorization") != "Bearer " + account_.access_token)
    return graph_error(401, 190, "Error validating access token: the session is invalid.");
  std::lock_guard lock(mu_);
  auto parts = segments(request.path());
  // A BSP's paths, read as Graph's: /messages and /media as the number's, /<id> as a media id.
  if (bsp && parts.size() == 1 && (parts[0] == "messages" || parts[0] == "media"))
    parts = {"v0.0", account_.phone_number_id, parts[0]};
  else if (bsp && parts.size() == 1)
    parts = {"v0.0", parts[0]};
  else if (bsp && !(parts.size() == 2 && parts[0] == "media-bytes"))
    return graph_error(404, 100, "Unknown path components");
  if (parts.size() == 2 && parts[0] == "media-bytes" && request.method == "GET") {
    auto it = media_.find(parts[1]);
    if (it == media_.end()) return FakeReply::json(404, R"({"error":"no such media"})");
    auto& m = it->second;
    if (m.failures_left > 0) {
      --m.failures_left;
      return FakeReply::json(m.failure_status, R"({"error":"scripted failure"})");
    }
    ++m.downloads;
    FakeReply r;
    r.headers = {{"Content-Type", m.mime_type}};
    r.shared_body = m.bytes ? m.bytes : std::make_shared<const std::string>();
    r.chunked = m.serving.chunked;
    return r;
  }
  if (parts.empty() || !is_version(parts[0])) return graph_error(404, 100, "Unknown path components");
  if (parts.size() == 3 && parts[2] == "messages" && request.method == "POST") {
    if (parts[1] != account_.phone_number_id)
      return graph_error(400, 100, "Unsupported post request. Object with ID '" + parts[1] + "' does not exist");
    return send(request, parts[0], parts[1]);
  }
  if (parts.size() == 3 && parts[2] == "media" && request.method == "POST") {
    MetaUpload upload;
    for (auto& part : multipart(request.header("Content-Type"), request.body)) {
      if (part.name == "messaging_product") upload.messaging_product = part.data;
      if (part.name == "type") upload.type = part.data;
      if (part.name == "file") {
        upload.filename = part.filename;
        upload.content_type = part.content_type;
        upload.bytes = std::move(part.data);
      }
    }
    if (upload.messaging_product != "whatsapp" || upload.bytes.empty())
      return graph_error(400, 100, "(#100) The parameter messaging_product and file are required.");
    upload.id = std::to_string(9000000000000000 + ++next_id_);
    upload.size = upload.bytes.size();
    upload.sha256 = sha256_hex(upload.bytes);
    auto file = std::make_shared<const std::string>(std::move(upload.bytes));
    if (file->size() <= 1024 * 1024) upload.bytes = *file;
    media_[upload.id] = Media{file, upload.type, upload.sha256};
    const std::string id = upload.id;
    uploads_.push_back(std::move(upload));
    return FakeReply::json(200, json::serialize(json::object{{"id", id}}));
  }
  if (parts.size() == 3 && parts[2] == "message_templates" && request.method == "GET") {
    if (parts[1] != account_.waba_id) return graph_error(400, 100, "Unknown WhatsApp Business Account");
    json::object page{{"data", templates_},
                      {"paging", json::object{{"cursors", json::object{{"before", "MAZDZD"}, {"after", "MjQZD"}}}}}};
    return FakeReply::json(200, json::serialize(page));
  }
  if (parts.size() == 2 && request.method == "GET") {
    auto it = media_.find(parts[1]);
    if (it == media_.end()) return graph_error(400, 100, "Unsupported get request. Object does not exist");
    json::object meta{
        {"messaging_product", "whatsapp"},
        {"url", server_.base_url() + "/media-bytes/" + parts[1]},
        {"mime_type", it->second.mime_type},
        {"sha256", it->second.sha256},
        {"file_size", it->second.serving.lookup_size.value_or(it->second.bytes ? it->second.bytes->size() : 0)},
        {"id", parts[1]}};
    return FakeReply::json(200, json::serialize(meta));
  }
  return graph_error(404, 100, "Unknown path components");
}

// REQUIRES: mu_ held.
FakeReply FakeMeta::send(const FakeRequest& request, const std::string& version, const std::string& phone) {
  MetaSend s{version, phone, request};
  boost::system::error_code ec;
  s.body = json::parse(request.body, ec);
  if (ec) s.body = nullptr;
  if (!script_.empty()) {
    s.answer = script_.front();
    script_.pop_front();
  }
  const std::string to = s.body.is_object() && s.body.as_object().contains("to") && s.body.at("to").is_string()
                             ? std::string(s.body.at("to").as_string())
                             : "";
  FakeReply reply;
  switch (s.answer) {
    case MetaAnswer::ok: {
      s.wamid = "wamid.FAKE" + std::to_string(server_.port()) + "x" + std::to_string(++next_id_);
      json::object ok{{"messaging_product", "whatsapp"},
                      {"contacts", json::array{json::object{{"input", to}, {"wa_id", to}}}},
                      {"messages", json::array{json::object{{"id", s.wamid}}}}};
      reply = FakeReply::json(200, json::serialize(ok));
      break;
    }
    case MetaAnswer::window_closed:
      reply = graph_error(400, 131047, "(#131047) Re-engagement message",
                          "Message failed to send because more than 24 hours have passed since the customer last "
                          "replied to this number.");
      break;
    case MetaAnswer::server_error:
      reply = graph_error(500, 1, "An unknown error has occurred.");
      break;
    case MetaAnswer::rate_limited:
      reply = graph_error(429, 130429, "(#130429) Rate limit hit",
                          "Cloud API message throughput has been reached.");
      reply.headers.emplace_back("Retry-After", retry_after_);
      break;
    case MetaAnswer::hang:
      reply = FakeReply::hang();
      break;
    case MetaAnswer::drop:
      reply = FakeReply::drop();
      break;
  }
  if (on_send_) on_send_(s);
  sends_.push_back(std::move(s));
  return reply;
}

void FakeMeta::on_send(std::function<void(const MetaSend&)> fn) {
  std::lock_guard lock(mu_);
  on_send_ = std::move(fn);
}

std::string FakeMeta::webhook(json::array messages, json::array statuses, json::array contacts) const {
  json::array changes{meta_webhook::change(account_, std::move(messages), std::move(statuses), std::move(contacts))};
  return meta_webhook::body({{account_.waba_id, std::move(changes)}});
}

int FakeMeta::post_webhook(const std::string& url, const std::string& body, Signing signing,
                           const std::string& ca_file) const {
  HttpCallOptions options;
  options.body = body;
  options.ca_file = ca_file;
  options.headers = {{"Content-Type", "application/json"}};
  if (signing == Signing::valid) options.headers.emplace_back("X-Hub-Signature-256", meta_signature(account_.app_secret, body));
  if (signing == Signing::wrong)
    options.headers.emplace_back("X-Hub-Signature-256", meta_signature(account_.app_secret + "-not", body));
  return http_call("POST", url, options).status;
}

HttpCallReply FakeMeta::verify_webhook(const std::string& url, const std::string& challenge,
                                       const std::string& verify_token, const std::string& mode,
                                       const std::string& ca_file) const {
  auto encode = [](const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); };
  const std::string query = "hub.mode=" + encode(mode) + "&hub.challenge=" + encode(challenge) +
                            "&hub.verify_token=" + encode(verify_token);
  HttpCallOptions options;
  options.ca_file = ca_file;
  return http_call("GET", url + (url.find('?') == std::string::npos ? "?" : "&") + query, options);
}

std::string meta_signature(const std::string& app_secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  HMAC(EVP_sha256(), app_secret.data(), static_cast<int>(app_secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
  return "sha256=" + hex(mac, size);
}

namespace meta_webhook {

namespace {
// 1749416383 and on: a plausible, increasing "timestamp" string.
std::string timestamp() {
  static std::atomic<long> next{1749416383};
  return std::to_string(next++);
}

json::object message(const std::string& from, const std::string& wamid, const std::string& type) {
  return json::object{{"from", from}, {"id", wamid}, {"timestamp", timestamp()}, {"type", type}};
}
}  // namespace

json::object contact(const std::string& wa_id, const std::string& name) {
  return json::object{{"profile", json::object{{"name", name}}}, {"wa_id", wa_id}};
}

json::object text(const std::string& from, const std::string& wamid, const std::string& body) {
  auto m = message(from, wamid, "text");
  m["text"] = json::object{{"body", body}};
  return m;
}

json::object image(const std::string& from, const std::string& wamid, const std::string& media_id,
                   const std::string& caption, const std::string& mime_type) {
  auto m = message(from, wamid, "image");
  json::object image{{"mime_type", mime_type}, {"sha256", sha256_hex(media_id)}, {"id", media_id}};
  if (!caption.empty()) image["caption"] = caption;
  m["image"] = std::move(image);
  return m;
}

json::object document(const std::string& from, const std::string& wamid, const std::string& media_id,
                      const std::string& filename, const std::string& mime_type) {
  auto m = message(from, wamid, "document");
  m["document"] = json::object{
      {"filename", filename}, {"mime_type", mime_type}, {"sha256", sha256_hex(media_id)}, {"id", media_id}};
  return m;
}

json::object voice(const std::string& from, const std::string& wamid, const std::string& media_id) {
  auto m = message(from, wamid, "audio");
  m["audio"] = json::object{
      {"mime_type", "audio/ogg; codecs=opus"}, {"sha256", sha256_hex(media_id)}, {"id", media_id}, {"voice", true}};
  return m;
}

json::object reaction(const std::string& from, const std::string& wamid, const std::string& to_wamid,
                      const std::string& emoji) {
  auto m = message(from, wamid, "reaction");
  m["reaction"] = json::object{{"message_id", to_wamid}, {"emoji", emoji}};
  return m;
}

json::object reply(json::object message, const std::string& quoted_wamid, const std::string& business_number) {
  message["context"] = json::object{{"from", business_number}, {"id", quoted_wamid}};
  return message;
}

json::object status(const std::string& wamid, const std::string& status, const std::string& recipient,
                    const std::string& biz_opaque_callback_data) {
  json::object s{{"id", wamid}, {"status", status}, {"timestamp", timestamp()}, {"recipient_id", recipient}};
  if (status != "read" && status != "played") {
    s["conversation"] = json::object{{"id", "conv-" + recipient},
                                     {"expiration_timestamp", "1750943820"},
                                     {"origin", json::object{{"type", "service"}}}};
    s["pricing"] = json::object{{"billable", true}, {"pricing_model", "CBP"}, {"category", "service"}};
  }
  if (!biz_opaque_callback_data.empty()) s["biz_opaque_callback_data"] = biz_opaque_callback_data;
  return s;
}

json::object failed(const std::string& wamid, const std::string& recipient, int code, const std::string& title,
                    const std::string& details, const std::string& biz_opaque_callback_data) {
  json::object s{{"id", wamid}, {"status", "failed"}, {"timestamp", timestamp()}, {"recipient_id", recipient}};
  s["errors"] = json::array{json::object{{"code", code},
                                         {"title", title},
                                         {"message", title},
                                         {"error_data", json::object{{"details", details}}},
                                         {"href", "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"
                                                  "error-codes/"}}};
  if (!biz_opaque_callback_data.empty()) s["biz_opaque_callback_data"] = biz_opaque_callback_data;
  return s;
}

json::object change(const MetaAccount& account, json::array messages, json::array statuses, json::array contacts) {
  json::object value{{"messaging_product", "whatsapp"},
                     {"metadata", json::object{{"display_phone_number", account.display_phone_number},
                                               {"phone_number_id", account.phone_number_id}}}};
  if (!contacts.empty()) value["contacts"] = std::move(contacts);
  if (!messages.empty()) value["messages"] = std::move(messages);
  if (!statuses.empty()) value["statuses"] = std::move(statuses);
  return json::object{{"field", "messages"}, {"value", std::move(value)}};
}

std::string body(const std::vector<std::pair<std::string, json::array>>& entries_by_waba) {
  json::array entries;
  for (const auto& [waba, changes] : entries_by_waba) entries.push_back(json::object{{"id", waba}, {"changes", changes}});
  return json::serialize(json::object{{"object", "whatsapp_business_account"}, {"entry", std::move(entries)}});
}

}  // namespace meta_webhook

}  // namespace contactd::test
