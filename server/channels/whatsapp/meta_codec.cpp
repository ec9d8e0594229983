#include "channels/whatsapp/meta_codec.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "channels/whatsapp/codec_support.h"

namespace contactd::channels::whatsapp::meta {

namespace json = boost::json;
using detail::array;
using detail::at;
using detail::integer;
using detail::number_text;
using detail::object;
using detail::str;
using detail::text_of;

// ---------------------------------------------------------------- signature

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(hex[c >> 4]);
    s.push_back(hex[c & 15]);
  }
  return s;
}

constexpr std::string_view kSignaturePrefix = "sha256=";

}  // namespace

bool verify_signature(std::string_view app_secret, std::string_view raw_body, std::string_view header_value) {
  if (app_secret.empty() || header_value.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) return false;
  const std::string_view hex = header_value.substr(kSignaturePrefix.size());
  if (hex.size() != 64) return false;
  std::string presented(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    presented[i] = static_cast<char>(hi * 16 + lo);
  }
  return detail::digests_equal(detail::hmac_sha256(app_secret, raw_body), presented);
}

std::string sign(std::string_view app_secret, std::string_view raw_body) {
  return std::string(kSignaturePrefix) + to_hex(detail::hmac_sha256(app_secret, raw_body));
}

// ------------------------------------------------------------- subscription

std::string_view to_string(SubscriptionRefusal::Reason r) {
  switch (r) {
    case SubscriptionRefusal::Reason::wrong_mode: return "wrong_mode";
    case SubscriptionRefusal::Reason::wrong_token: return "wrong_token";
    case SubscriptionRefusal::Reason::bad_challenge: return "bad_challenge";
  }
  return "?";
}

std::variant<std::string, SubscriptionRefusal> verify_subscription(const std::map<std::string, std::string>& query,
                                                                   std::string_view verify_token) {
  auto get = [&](const char* key) -> std::string_view {
    auto it = query.find(key);
    return it == query.end() ? std::string_view{} : std::string_view(it->second);
  };
  if (get("hub.mode") != "subscribe") return SubscriptionRefusal{SubscriptionRefusal::Reason::wrong_mode};
  if (!detail::secrets_equal(verify_token, get("hub.verify_token")))
    return SubscriptionRefusal{SubscriptionRefusal::Reason::wrong_token};
  const std::string_view challenge = get("hub.challenge");
  if (challenge.empty() || challenge.size() > 128) return SubscriptionRefusal{SubscriptionRefusal::Reason::bad_challenge};
  for (char c : challenge) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return SubscriptionRefusal{SubscriptionRefusal::Reason::bad_challenge};
  }
  return std::string(challenge);
}

// ------------------------------------------------------------------ webhook

namespace {

std::vector<ProviderError> read_errors(const json::object& o) {
  std::vector<ProviderError> out;
  const json::array* errors = array(o, "errors");
  if (!errors) return out;
  for (const json::value& e : *errors) {
    const json::object* eo = e.if_object();
    if (!eo) continue;
    ProviderError pe{text_of(*eo, "code"), std::string(str(*eo, "title")), std::string(str(*eo, "message")), {}};
    if (const json::object* data = object(*eo, "error_data")) pe.details = std::string(str(*data, "details"));
    out.push_back(std::move(pe));
  }
  return out;
}

std::string describe(const std::vector<ProviderError>& errors) {
  std::string s;
  for (const auto& e : errors) {
    s += s.empty() ? " (" : "; ";
    s += e.code;
    if (!e.title.empty()) s += ": " + e.title;
  }
  if (!s.empty()) s += ")";
  return s;
}

struct Contact {
  std::string wa_id, user_id, name;
};

std::vector<Contact> read_contacts(const json::object& value) {
  std::vector<Contact> out;
  if (const json::array* contacts = array(value, "contacts")) {
    for (const json::value& c : *contacts) {
      const json::object* co = c.if_object();
      if (!co) continue;
      Contact contact{std::string(str(*co, "wa_id")), std::string(str(*co, "user_id")), {}};
      if (const json::object* profile = object(*co, "profile")) contact.name = std::string(str(*profile, "name"));
      out.push_back(std::move(contact));
    }
  }
  return out;
}

const Contact* find_contact(const std::vector<Contact>& contacts, std::string_view wa_id, std::string_view user_id) {
  for (const auto& c : contacts)
    if ((!wa_id.empty() && c.wa_id == wa_id) || (!user_id.empty() && c.user_id == user_id)) return &c;
  // No guessing: a name or BSUID from another contact would link the wrong customer.
  return nullptr;
}

std::optional<MediaKind> media_kind(std::string_view type) {
  if (type == "image") return MediaKind::image;
  if (type == "video") return MediaKind::video;
  if (type == "audio") return MediaKind::audio;
  if (type == "document") return MediaKind::document;
  if (type == "sticker") return MediaKind::sticker;
  return std::nullopt;
}

InboundType inbound_type(MediaKind k) {
  switch (k) {
    case MediaKind::image: return InboundType::image;
    case MediaKind::video: return InboundType::video;
    case MediaKind::audio: return InboundType::audio;
    case MediaKind::document: return InboundType::document;
    case MediaKind::sticker: return InboundType::sticker;
  }
  return InboundType::document;
}

std::string location_text(const json::object& loc) {
  std::string s = "Location: " + number_text(loc, "latitude") + "," + number_text(loc, "longitude");
  const std::string_view name = str(loc, "name");
  const std::string_view address = str(loc, "address");
  if (!name.empty()) s += " " + std::string(name);
  if (!address.empty()) s += (name.empty() ? " " : ", ") + std::string(address);
  return s;
}

std::string contacts_text(const json::array& contacts) {
  std::string s = "Contact:";
  bool first = true;
  for (const json::value& c : contacts) {
    const json::object* co = c.if_object();
    if (!co) continue;
    s += first ? " " : "; ";
    first = false;
    if (const json::object* name = object(*co, "name")) s += std::string(str(*name, "formatted_name"));
    if (const json::array* phones = array(*co, "phones"))
      for (const json::value& p : *phones)
        if (const json::object* po = p.if_object()) {
          const std::string_view phone = str(*po, "phone");
          if (!phone.empty()) s += " " + std::string(phone);
        }
  }
  return s;
}

// Fills the type-specific part of `m`; returns the reason when it cannot be used.
std::optional<std::string> read_content(const json::object& mo, std::string_view type, InboundMessage& m) {
  if (type == "text") {
    const json::object* text = object(mo, "text");
    if (!text) return "text message without text";
    m.type = InboundType::text;
    m.text = std::string(str(*text, "body"));
    return std::nullopt;
  }
  if (auto kind = media_kind(type)) {
    const json::object* media = object(mo, type);
    if (!media) return std::string(type) + " message without its " + std::string(type) + " object";
    const std::string_view id = str(*media, "id");
    if (id.empty()) return std::string(type) + " without a media id";
    m.type = inbound_type(*kind);
    InboundMedia im;
    im.provider_media_id = std::string(id);
    im.mime_type = std::string(str(*media, "mime_type"));
    im.sha256 = std::string(str(*media, "sha256"));
    im.filename = std::string(str(*media, "filename"));
    if (const json::value* voice = media->if_contains("voice"); voice && voice->is_bool()) im.voice = voice->get_bool();
    m.media = std::move(im);
    m.text = std::string(str(*media, "caption"));
    return std::nullopt;
  }
  if (type == "reaction") {
    const json::object* reaction = object(mo, "reaction");
    if (!reaction) return "reaction without its reaction object";
    m.type = InboundType::reaction;
    m.text = std::string(str(*reaction, "emoji"));  // empty: the reaction was removed
    m.context_provider_id = std::string(str(*reaction, "message_id"));
    return std::nullopt;
  }
  if (type == "button") {
    const json::object* button = object(mo, "button");
    if (!button) return "button without its button object";
    m.type = InboundType::button;
    m.text = std::string(str(*button, "text"));
    if (m.text.empty()) m.text = std::string(str(*button, "payload"));
    return std::nullopt;
  }
  if (type == "interactive") {
    const json::object* interactive = object(mo, "interactive");
    if (!interactive) return "interactive without its interactive object";
    const std::string_view kind = str(*interactive, "type");
    if (kind != "button_reply" && kind != "list_reply") return "unsupported interactive type: " + std::string(kind);
    const json::object* reply = object(*interactive, kind);
    if (!reply) return std::string(kind) + " without its object";
    m.type = InboundType::interactive;
    m.text = std::string(str(*reply, "title"));
    return std::nullopt;
  }
  if (type == "location") {
    const json::object* location = object(mo, "location");
    if (!location) return "location without its location object";
    m.type = InboundType::location;
    m.text = location_text(*location);
    return std::nullopt;
  }
  if (type == "contacts") {
    const json::array* contacts = array(mo, "contacts");
    if (!contacts) return "contacts without its contacts array";
    m.type = InboundType::contacts;
    m.text = contacts_text(*contacts);
    return std::nullopt;
  }
  return "unsupported message type: " + std::string(type.empty() ? "(none)" : type);
}

void read_message(const json::value& v, const std::string& where, const std::vector<Contact>& contacts, InboundMessage base, WebhookBatch& batch) {
  const json::object* mo = v.if_object();
  if (!mo) {
    batch.skipped.push_back({where, "message is not an object", {}});
    return;
  }
  InboundMessage m = std::move(base);
  m.provider_message_id = std::string(str(*mo, "id"));
  if (m.provider_message_id.empty()) {
    batch.skipped.push_back({where, "message without id", {}});
    return;
  }
  m.from = std::string(str(*mo, "from"));
  m.user_id = std::string(str(*mo, "from_user_id"));
  const Contact* contact = find_contact(contacts, m.from, m.user_id);
  if (contact) {
    if (m.user_id.empty()) m.user_id = contact->user_id;
    if (m.from.empty()) m.from = contact->wa_id;
    m.profile_name = contact->name;
  }
  if (m.from.empty() && m.user_id.empty()) {
    batch.skipped.push_back({where, "message without sender (neither from nor user_id)", m.provider_message_id});
    return;
  }
  m.timestamp = integer(*mo, "timestamp").value_or(0);
  if (const json::object* context = object(*mo, "context")) m.context_provider_id = std::string(str(*context, "id"));
  const std::string_view type = str(*mo, "type");
  if (auto reason = read_content(*mo, type, m)) {
    batch.skipped.push_back({where, *reason + describe(read_errors(*mo)), m.provider_message_id});
    return;
  }
  m.dedupe_key = "msg:" + m.provider_message_id;
  batch.messages.push_back(std::move(m));
}

void read_status(const json::value& v, const std::string& where, const std::string& account, WebhookBatch& batch) {
  const json::object* so = v.if_object();
  if (!so) {
    batch.skipped.push_back({where, "status is not an object", {}});
    return;
  }
  InboundStatus s;
  s.account = account;
  s.provider_message_id = std::string(str(*so, "id"));
  if (s.provider_message_id.empty()) {
    batch.skipped.push_back({where, "status without message id", {}});
    return;
  }
  const std::string_view value = str(*so, "status");
  const auto status = delivery_status_from(value);
  if (!status) {
    batch.skipped.push_back({where, "unknown status: " + std::string(value.substr(0, 64)), s.provider_message_id});
    return;
  }
  s.status = *status;
  s.gupshup_id = std::string(str(*so, "gs_id"));
  s.timestamp = integer(*so, "timestamp").value_or(0);
  s.recipient = std::string(str(*so, "recipient_id"));
  s.recipient_user_id = std::string(str(*so, "recipient_user_id"));
  s.correlation = std::string(str(*so, "biz_opaque_callback_data"));
  s.errors = read_errors(*so);
  s.dedupe_key = "st:" + s.provider_message_id + ":" + std::string(to_string(s.status));
  batch.statuses.push_back(std::move(s));
}

void read_change(const json::value& v, const std::string& where, const std::string& waba, WebhookBatch& batch) {
  const json::object* change = v.if_object();
  if (!change) {
    batch.skipped.push_back({where, "change is not an object", {}});
    return;
  }
  const std::string_view field = str(*change, "field");
  if (!field.empty() && field != "messages") {
    batch.skipped.push_back({where, "field not handled: " + std::string(field), {}});
    return;
  }
  const json::object* value = object(*change, "value");
  if (!value) {
    batch.skipped.push_back({where, "change without value", {}});
    return;
  }
  const json::object* metadata = object(*value, "metadata");
  const std::string account = metadata ? std::string(str(*metadata, "phone_number_id")) : std::string();
  if (account.empty()) {
    batch.skipped.push_back({where, "change without metadata.phone_number_id", {}});
    return;
  }
  for (ProviderError& e : read_errors(*value)) batch.errors.push_back(std::move(e));
  const std::vector<Contact> contacts = read_contacts(*value);
  if (const json::array* messages = array(*value, "messages")) {
    InboundMessage base;
    base.account = account;
    base.business_account_id = waba;
    for (std::size_t i = 0; i < messages->size(); ++i)
      read_message((*messages)[i], at(where, "value.messages", i), contacts, base, batch);
  }
  if (const json::array* statuses = array(*value, "statuses"))
    for (std::size_t i = 0; i < statuses->size(); ++i)
      read_status((*statuses)[i], at(where, "value.statuses", i), account, batch);
}

}  // namespace

std::variant<WebhookBatch, ParseFailure> parse_webhook(std::string_view raw_body) {
  boost::system::error_code ec;
  json::value root = json::parse(raw_body, ec);
  if (ec) return ParseFailure{ParseFailure::Kind::not_json, ec.message()};
  const json::object* o = root.if_object();
  if (!o) return ParseFailure{ParseFailure::Kind::not_an_object, "the body is not a JSON object"};
  const std::string_view product = str(*o, "object");
  if (product != "whatsapp_business_account")
    return ParseFailure{ParseFailure::Kind::wrong_object, "object is \"" + std::string(product.substr(0, 64)) + "\""};
  const json::array* entries = array(*o, "entry");
  if (!entries) return ParseFailure{ParseFailure::Kind::malformed, "no entry array"};
  WebhookBatch batch;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = at("", "entry", i);
    const json::object* entry = (*entries)[i].if_object();
    if (!entry) {
      batch.skipped.push_back({where, "entry is not an object", {}});
      continue;
    }
    const std::string waba = text_of(*entry, "id");
    const json::array* changes = array(*entry, "changes");
    if (!changes) {
      batch.skipped.push_back({where, "entry without changes", {}});
      continue;
    }
    for (std::size_t j = 0; j < changes->size(); ++j) read_change((*changes)[j], at(where, "changes", j), waba, batch);
  }
  return batch;
}

// --------------------------------------------------------------------- send

namespace {

std::string path_of(const CloudApiEndpoint& e, std::string_view tail) {
  std::string p;
  if (!e.api_version.empty()) p += "/" + e.api_version;
  if (!e.phone_number_id.empty()) p += "/" + e.phone_number_id;
  p += "/";
  p += tail;
  return p;
}

json::object media_object(std::string_view id, std::string_view link) {
  json::object m;
  if (!id.empty())
    m["id"] = id;
  else
    m["link"] = link;
  return m;
}

}  // namespace

std::variant<HttpRequestSpec, BuildError> build_send(const OutboundMessage& message, const CloudApiEndpoint& endpoint) {
  if (message.to.empty()) return BuildError{"no recipient"};
  json::object body;
  body["messaging_product"] = "whatsapp";
  body["recipient_type"] = "individual";
  body["to"] = message.to;
  if (const auto& t = message.template_message) {
    if (t->name.empty() || t->language.empty()) return BuildError{"template without name or language"};
    json::array components;
    if (t->header_media) {
      if (t->header_media_id.empty() && t->header_media_link.empty())
        return BuildError{"template header media without id or link"};
      if (*t->header_media == MediaKind::audio || *t->header_media == MediaKind::sticker)
        return BuildError{"template header media must be an image, a video or a document"};
      const std::string kind(to_string(*t->header_media));
      json::object parameter{{"type", kind}};
      parameter[kind] = media_object(t->header_media_id, t->header_media_link);
      components.push_back(json::object{{"type", "header"}, {"parameters", json::array{parameter}}});
    }
    if (!t->parameters.empty()) {
      json::array parameters;
      for (const auto& p : t->parameters) parameters.push_back(json::object{{"type", "text"}, {"text", p}});
      components.push_back(json::object{{"type", "body"}, {"parameters", std::move(parameters)}});
    }
    json::object tmpl{{"name", t->name}, {"language", json::object{{"policy", "deterministic"}, {"code", t->language}}}};
    if (!components.empty()) tmpl["components"] = std::move(components);
    body["type"] = "template";
    body["template"] = std::move(tmpl);
  } else if (const auto& m = message.media) {
    if (m->provider_media_id.empty() && m->link.empty()) return BuildError{"media without id or link"};
    if (m->voice && m->kind != MediaKind::audio) return BuildError{"only audio can be a voice message"};
    const std::string kind(to_string(m->kind));
    json::object media = media_object(m->provider_media_id, m->link);
    if (!m->caption.empty() && m->kind != MediaKind::audio && m->kind != MediaKind::sticker) media["caption"] = m->caption;
    if (m->kind == MediaKind::document && !m->filename.empty()) media["filename"] = m->filename;
    if (m->voice) media["voice"] = true;
    body["type"] = kind;
    body[kind] = std::move(media);
  } else {
    if (message.text.empty()) return BuildError{"nothing to send (no text, template or media)"};
    body["type"] = "text";
    body["text"] = json::object{{"preview_url", false}, {"body", message.text}};
  }
  if (!message.reply_to_provider_id.empty()) body["context"] = json::object{{"message_id", message.reply_to_provider_id}};
  if (!message.correlation.empty()) body["biz_opaque_callback_data"] = message.correlation;
  return HttpRequestSpec{"POST", path_of(endpoint, "messages"), "application/json", json::serialize(body)};
}

// ----------------------------------------------------------------- classify

namespace {

enum class CodeClass { permanent, retryable, unknown, unlisted };

CodeClass classify_code(std::int64_t code) {
  if (code >= 132000 && code <= 132999) return CodeClass::permanent;  // template errors
  switch (code) {
    case 131047: case 131026: case 131049: case 131050: case 131048: case 131031: case 131042: case 131051:
    case 131052: case 131053: case 131008: case 131009: case 131021: case 133010: case 190: case 368: case 100:
    case 10: case 200: case 3: case 470:
      return CodeClass::permanent;
    case 130429: case 131056: case 4: case 80007: case 80008: case 613: case 2: case 131016: case 133004:
      return CodeClass::retryable;
    case 1: case 131000:
      return CodeClass::unknown;
    default:
      return CodeClass::unlisted;
  }
}

SendOutcome by_http_status(int status, std::chrono::seconds retry_after) {
  SendOutcome out;
  out.error_code = "http_" + std::to_string(status);
  if (status == 429 || status == 503) {
    out.kind = SendOutcome::Kind::retryable;
    out.retry_after = retry_after;
    out.error_title = status == 429 ? "Too many requests" : "Service unavailable";
  } else if (status >= 500) {
    out.kind = SendOutcome::Kind::unknown;
    out.error_title = "Provider error; the message may have been sent";
  } else if (status >= 400) {
    out.kind = SendOutcome::Kind::permanent;
    out.error_title = "Request refused";
  } else {
    out.kind = SendOutcome::Kind::unknown;
    out.error_code = "unreadable_response";
    out.error_title = "Unreadable answer from the provider; the message may have been sent";
  }
  return out;
}

// Fills error fields from Meta's {"error":{…}}; returns the code when there is one.
std::optional<std::int64_t> read_error(const json::object& root, SendOutcome& out) {
  const json::object* error = object(root, "error");
  if (!error) return std::nullopt;
  auto code = integer(*error, "code");
  if (code) out.error_code = std::to_string(*code);
  const std::string_view title = str(*error, "error_user_title");
  out.error_title = std::string(title.empty() ? str(*error, "message") : title);
  if (const json::object* data = object(*error, "error_data")) out.error_details = std::string(str(*data, "details"));
  return code;
}

SendOutcome classify(int http_status, std::string_view body, std::string_view retry_after_header,
                     std::string_view id_path /* "messages" or "id" */, std::string* id_out) {
  const std::chrono::seconds retry_after = detail::retry_after_seconds(retry_after_header);
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  const json::object* o = ec ? nullptr : root.if_object();
  if (o && http_status >= 200 && http_status < 300) {
    std::string id;
    if (id_path == "messages") {
      if (const json::array* messages = array(*o, "messages"); messages && !messages->empty())
        if (const json::object* first = (*messages)[0].if_object()) id = std::string(str(*first, "id"));
    } else {
      id = std::string(str(*o, "id"));
    }
    if (!id.empty()) {
      *id_out = std::move(id);
      return SendOutcome{SendOutcome::Kind::accepted};
    }
  }
  SendOutcome out = by_http_status(http_status, retry_after);
  if (o) {
    SendOutcome coded;
    if (auto code = read_error(*o, coded)) {
      const CodeClass c = classify_code(*code);
      if (c != CodeClass::unlisted) {
        coded.kind = c == CodeClass::permanent   ? SendOutcome::Kind::permanent
                     : c == CodeClass::retryable ? SendOutcome::Kind::retryable
                                                 : SendOutcome::Kind::unknown;
        if (coded.kind == SendOutcome::Kind::retryable) coded.retry_after = retry_after;
        return coded;
      }
      // An unlisted code keeps the HTTP verdict but says what Meta said.
      out.error_code = coded.error_code;
      out.error_title = coded.error_title;
      out.error_details = coded.error_details;
    }
  }
  return out;
}

}  // namespace

SendOutcome classify_send_response(int http_status, std::string_view body, std::string_view retry_after) {
  std::string id;
  SendOutcome out = classify(http_status, body, retry_after, "messages", &id);
  if (out.kind == SendOutcome::Kind::accepted) out.provider_message_id = std::move(id);
  return out;
}

// -------------------------------------------------------------------- media

HttpRequestSpec media_lookup_request(const CloudApiEndpoint& endpoint, std::string_view media_id) {
  CloudApiEndpoint e{endpoint.api_version, {}};
  return HttpRequestSpec{"GET", path_of(e, media_id), {}, {}};
}

std::variant<MediaLookup, ParseFailure> parse_media_lookup(std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return ParseFailure{ParseFailure::Kind::not_json, ec.message()};
  const json::object* o = root.if_object();
  if (!o) return ParseFailure{ParseFailure::Kind::not_an_object, "the body is not a JSON object"};
  MediaLookup m{std::string(str(*o, "url")), std::string(str(*o, "mime_type")), std::string(str(*o, "sha256")),
                integer(*o, "file_size").value_or(0), std::string(str(*o, "id"))};
  if (m.url.empty()) return ParseFailure{ParseFailure::Kind::malformed, "no url"};
  return m;
}

std::variant<MultipartUpload, BuildError> build_media_upload(const CloudApiEndpoint& endpoint, std::string_view mime_type,
                                                             std::string_view filename, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70) return BuildError{"boundary must be 1..70 characters"};
  for (char c : boundary) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("'()+_,-./:=?").find(c) != std::string_view::npos;
    if (!ok) return BuildError{"boundary has a character RFC 2046 does not allow"};
  }
  if (mime_type.empty() || mime_type.size() > 127) return BuildError{"no media type"};
  for (char c : mime_type)
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == ';' || static_cast<unsigned char>(c) >= 0x7f)
      return BuildError{"media type has a forbidden character"};
  // The file name goes in a quoted-string: no quotes, backslashes or controls.
  std::string name;
  for (char c : filename)
    if (static_cast<unsigned char>(c) >= ' ' && c != '"' && c != '\\' && c != 0x7f) name.push_back(c);
  if (name.empty()) name = "file";
  const std::string dash = "--" + std::string(boundary);
  MultipartUpload u;
  u.path = path_of(endpoint, "media");
  u.content_type = "multipart/form-data; boundary=" + std::string(boundary);
  u.head = dash + "\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n" + dash +
           "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n" + std::string(mime_type) + "\r\n" + dash +
           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: " +
           std::string(mime_type) + "\r\n\r\n";
  u.tail = "\r\n" + dash + "--\r\n";
  return u;
}

std::string multipart_body(const MultipartUpload& upload, std::string_view file_bytes) {
  std::string body;
  body.reserve(upload.content_length(file_bytes.size()));
  body += upload.head;
  body += file_bytes;
  body += upload.tail;
  return body;
}

MediaUploadOutcome parse_media_upload_response(int http_status, std::string_view body, std::string_view retry_after) {
  MediaUploadOutcome out;
  out.result = classify(http_status, body, retry_after, "id", &out.media_id);
  return out;
}

// ---------------------------------------------------------------- templates

HttpRequestSpec template_listing_request(const CloudApiEndpoint& endpoint, std::string_view business_account_id,
                                         std::string_view after_cursor, int limit) {
  CloudApiEndpoint e{endpoint.api_version, std::string(business_account_id)};
  std::string path = path_of(e, "message_templates") +
                     "?fields=id,name,language,status,category,components&limit=" + std::to_string(limit);
  if (!after_cursor.empty()) {
    std::string form;
    detail::append_form_field(form, "after", after_cursor);
    path += "&" + form;
  }
  return HttpRequestSpec{"GET", std::move(path), {}, {}};
}

namespace {

int count_placeholders(std::string_view body) {
  std::set<std::string_view> names;
  for (std::size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", at + 2)) {
    const std::size_t end = body.find("}}", at + 2);
    if (end == std::string_view::npos) break;
    const std::string_view name = body.substr(at + 2, end - at - 2);
    if (!name.empty() && name.size() <= 64) names.insert(name);
  }
  return static_cast<int>(names.size());
}

}  // namespace

std::variant<TemplatePage, ParseFailure> parse_template_listing(std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return ParseFailure{ParseFailure::Kind::not_json, ec.message()};
  const json::object* o = root.if_object();
  if (!o) return ParseFailure{ParseFailure::Kind::not_an_object, "the body is not a JSON object"};
  const json::array* data = array(*o, "data");
  if (!data) return ParseFailure{ParseFailure::Kind::malformed, "no data array"};
  TemplatePage page;
  for (std::size_t i = 0; i < data->size(); ++i) {
    const std::string where = at("", "data", i);
    const json::object* t = (*data)[i].if_object();
    if (!t) {
      page.skipped.push_back({where, "template is not an object", {}});
      continue;
    }
    ProviderTemplate pt;
    pt.id = text_of(*t, "id");
    pt.name = std::string(str(*t, "name"));
    pt.language = std::string(str(*t, "language"));
    pt.status = std::string(str(*t, "status"));
    pt.category = std::string(str(*t, "category"));
    if (pt.name.empty() || pt.language.empty()) {
      page.skipped.push_back({where, "template without name or language", pt.id});
      continue;
    }
    if (const json::array* components = array(*t, "components")) {
      for (const json::value& c : *components) {
        const json::object* co = c.if_object();
        if (!co) continue;
        const std::string_view type = str(*co, "type");
        if (type == "BODY") {
          pt.body = std::string(str(*co, "text"));
        } else if (type == "HEADER") {
          pt.header_format = std::string(str(*co, "format"));
          pt.header_text = std::string(str(*co, "text"));
        } else if (type == "BUTTONS") {
          if (const json::array* buttons = array(*co, "buttons"))
            for (const json::value& b : *buttons)
              if (const json::object* bo = b.if_object()) pt.buttons.emplace_back(str(*bo, "text"));
        }
      }
    }
    pt.parameter_count = count_placeholders(pt.body);
    page.templates.push_back(std::move(pt));
  }
  if (const json::object* paging = object(*o, "paging")) {
    if (!str(*paging, "next").empty())
      if (const json::object* cursors = object(*paging, "cursors")) page.next_cursor = std::string(str(*cursors, "after"));
  }
  return page;
}

}  // namespace contactd::channels::whatsapp::meta
