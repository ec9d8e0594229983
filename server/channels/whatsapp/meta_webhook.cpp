// Meta Cloud API webhooks in (meta_webhook.h): the X-Hub-Signature-256
// check, the GET subscription handshake and the notification parser.
#include "channels/whatsapp/meta_webhook.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "channels/whatsapp/codec_support.h"

namespace contactd::channels::whatsapp::meta {

namespace json = boost::json;
using detail::array;
using detail::at;
using detail::contacts_text;
using detail::integer;
using detail::location_text;
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

}  // namespace contactd::channels::whatsapp::meta
