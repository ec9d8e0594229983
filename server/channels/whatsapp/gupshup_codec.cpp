#include "channels/whatsapp/gupshup_codec.h"

#include <arpa/inet.h>

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>

#include "channels/whatsapp/codec_support.h"
#include "channels/whatsapp/meta_codec.h"

namespace contactd::channels::whatsapp::gupshup {

namespace json = boost::json;
using detail::array;
using detail::integer;
using detail::object;
using detail::str;
using detail::text_of;

namespace {

std::string clip(std::string_view s) { return std::string(s.substr(0, 64)); }

json::object media_message(const OutboundMessage::Media& m) {
  json::object o;
  switch (m.kind) {
    case MediaKind::image:
      o = {{"type", "image"}, {"originalUrl", m.link}, {"previewUrl", m.link}};
      break;
    case MediaKind::document:
      o = {{"type", "file"}, {"url", m.link}};
      if (!m.filename.empty()) o["filename"] = m.filename;
      break;
    default:
      o = {{"type", std::string(to_string(m.kind))}, {"url", m.link}};
      break;
  }
  if (!m.caption.empty() && m.kind != MediaKind::audio && m.kind != MediaKind::sticker) o["caption"] = m.caption;
  return o;
}

void common_fields(std::string& form, const OutboundMessage& message, const GupshupAccount& account) {
  detail::append_form_field(form, "channel", "whatsapp");
  detail::append_form_field(form, "source", account.source_number);
  detail::append_form_field(form, "destination", message.to);
  detail::append_form_field(form, "src.name", account.app_name);
}

}  // namespace

std::variant<HttpRequestSpec, BuildError> build_send(const OutboundMessage& message, const GupshupAccount& account) {
  if (message.to.empty()) return BuildError{"no recipient"};
  if (account.source_number.empty() || account.app_name.empty()) return BuildError{"account without source number or app name"};
  std::string form;
  common_fields(form, message, account);
  if (const auto& t = message.template_message) {
    if (t->id.empty()) return BuildError{"Gupshup sends a template by its Gupshup template id, which is missing"};
    json::array params;
    for (const auto& p : t->parameters) params.push_back(json::string(p));
    detail::append_form_field(form, "template", json::serialize(json::object{{"id", t->id}, {"params", params}}));
    if (t->header_media) {
      if (t->header_media_link.empty()) return BuildError{"Gupshup needs a public URL for a template's header media"};
      const std::string kind(to_string(*t->header_media));
      json::object header{{"type", kind}};
      header[kind] = json::object{{"link", t->header_media_link}};
      detail::append_form_field(form, "message", json::serialize(header));
    }
    return HttpRequestSpec{"POST", "/wa/api/v1/template/msg", "application/x-www-form-urlencoded", std::move(form)};
  }
  json::object msg;
  if (const auto& m = message.media) {
    if (m->link.empty()) return BuildError{"Gupshup takes media by public URL only; no link given"};
    msg = media_message(*m);
  } else {
    if (message.text.empty()) return BuildError{"nothing to send (no text, template or media)"};
    msg = {{"type", "text"}, {"text", message.text}, {"previewUrl", false}};
  }
  if (!message.reply_to_provider_id.empty()) msg["context"] = json::object{{"msgId", message.reply_to_provider_id}};
  detail::append_form_field(form, "message", json::serialize(msg));
  return HttpRequestSpec{"POST", "/wa/api/v1/msg", "application/x-www-form-urlencoded", std::move(form)};
}

SendOutcome classify_send_response(int http_status, std::string_view body, std::string_view retry_after) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  const json::object* o = ec ? nullptr : root.if_object();
  const std::string_view status = o ? str(*o, "status") : std::string_view{};
  const std::string_view message = o ? str(*o, "message") : std::string_view{};
  SendOutcome out;
  if (http_status >= 200 && http_status < 300) {
    if (status == "error") {
      out.kind = SendOutcome::Kind::permanent;
      out.error_code = "gupshup_error";
      out.error_title = std::string(message.empty() ? "Gupshup refused the message" : message);
      return out;
    }
    const std::string_view id = o ? str(*o, "messageId") : std::string_view{};
    if (!id.empty()) {
      out.kind = SendOutcome::Kind::accepted;
      out.provider_message_id = std::string(id);
      return out;
    }
    out.kind = SendOutcome::Kind::unknown;
    out.error_code = "unreadable_response";
    out.error_title = "Unreadable answer from Gupshup; the message may have been sent";
    return out;
  }
  out.error_code = "http_" + std::to_string(http_status);
  if (http_status == 429 || http_status == 503) {
    out.kind = SendOutcome::Kind::retryable;
    out.retry_after = detail::retry_after_seconds(retry_after);
  } else if (http_status >= 500) {
    out.kind = SendOutcome::Kind::unknown;
  } else {
    out.kind = SendOutcome::Kind::permanent;
  }
  out.error_title = std::string(message);
  if (out.error_title.empty())
    out.error_title = http_status == 429   ? "Too many requests"
                      : http_status >= 500 ? "Gupshup error; the message may have been sent"
                                           : "Request refused";
  return out;
}

// ----------------------------------------------------------------- callbacks

namespace {

std::optional<std::string> read_content(std::string_view type, const json::object& inner, InboundMessage& m) {
  if (type == "text" || type == "quick_reply") {
    m.type = (type == "quick_reply" || str(inner, "type") == "button") ? InboundType::button : InboundType::text;
    m.text = std::string(str(inner, "text"));
    return std::nullopt;
  }
  if (type == "button_reply" || type == "list_reply") {
    m.type = InboundType::interactive;
    m.text = std::string(str(inner, "title"));
    return std::nullopt;
  }
  std::optional<InboundType> media;
  if (type == "image") media = InboundType::image;
  if (type == "video") media = InboundType::video;
  if (type == "audio") media = InboundType::audio;
  if (type == "file") media = InboundType::document;
  if (type == "sticker") media = InboundType::sticker;
  if (media) {
    const std::string_view url = str(inner, "url");
    if (url.empty()) return std::string(type) + " without url";
    m.type = *media;
    InboundMedia im;
    im.url = std::string(url);
    im.url_expiry_ms = integer(inner, "urlExpiry").value_or(0);
    im.mime_type = std::string(str(inner, "contentType"));
    im.filename = std::string(str(inner, "name"));
    m.media = std::move(im);
    m.text = std::string(str(inner, "caption"));
    return std::nullopt;
  }
  if (type == "location") {
    m.type = InboundType::location;
    m.text = detail::location_text(inner);
    return std::nullopt;
  }
  if (type == "contact") {
    m.type = InboundType::contacts;
    static const json::array kNone;
    const json::array* contacts = array(inner, "contacts");
    m.text = detail::contacts_text(contacts ? *contacts : kNone);
    return std::nullopt;
  }
  return "unsupported message type: " + clip(type.empty() ? "(none)" : type);
}

void read_message(const json::object& root, const std::string& app, WebhookBatch& batch) {
  const json::object* p = object(root, "payload");
  if (!p) {
    batch.skipped.push_back({"payload", "message without payload", {}});
    return;
  }
  InboundMessage m;
  m.account = app;
  m.provider_message_id = std::string(str(*p, "id"));
  if (m.provider_message_id.empty()) {
    batch.skipped.push_back({"payload", "message without id", {}});
    return;
  }
  m.from = std::string(str(*p, "source"));
  if (const json::object* sender = object(*p, "sender")) {
    if (const std::string_view phone = str(*sender, "phone"); !phone.empty()) m.from = std::string(phone);
    m.profile_name = std::string(str(*sender, "name"));
    m.user_id = std::string(str(*sender, "userId"));
  }
  if (m.from.empty() && m.user_id.empty()) {
    batch.skipped.push_back({"payload", "message without sender", m.provider_message_id});
    return;
  }
  m.timestamp = integer(root, "timestamp").value_or(0) / 1000;
  if (const json::object* context = object(*p, "context")) {
    m.context_provider_id = std::string(str(*context, "id"));
    m.context_gupshup_id = std::string(str(*context, "gsId"));
  }
  static const json::object empty;
  const json::object* inner = object(*p, "payload");
  if (auto reason = read_content(str(*p, "type"), inner ? *inner : empty, m)) {
    batch.skipped.push_back({"payload", *reason, m.provider_message_id});
    return;
  }
  m.dedupe_key = "msg:" + m.provider_message_id;
  batch.messages.push_back(std::move(m));
}

void read_event(const json::object& root, const std::string& app, WebhookBatch& batch) {
  const json::object* p = object(root, "payload");
  if (!p) {
    batch.skipped.push_back({"payload", "message-event without payload", {}});
    return;
  }
  const std::string_view type = str(*p, "type");
  const std::string id(str(*p, "id"));
  const std::string gs_id(str(*p, "gsId"));
  const auto status = delivery_status_from(type);
  if (!status || *status == DeliveryStatus::played) {
    batch.skipped.push_back({"payload", "message-event not handled: " + clip(type), id});
    return;
  }
  static const json::object empty;
  const json::object* inner_ptr = object(*p, "payload");
  const json::object& inner = inner_ptr ? *inner_ptr : empty;
  InboundStatus s;
  s.account = app;
  s.status = *status;
  s.recipient = std::string(str(*p, "destination"));
  s.recipient_user_id = std::string(str(*p, "userId"));
  switch (*status) {
    case DeliveryStatus::enqueued:
      s.gupshup_id = id;
      s.provider_message_id = std::string(str(inner, "whatsappMessageId"));
      break;
    case DeliveryStatus::failed:
      if (gs_id.empty()) {
        s.gupshup_id = id;  // synchronous failure: Gupshup's own id
      } else {
        s.gupshup_id = gs_id;
        s.provider_message_id = id;
      }
      s.errors.push_back({text_of(inner, "code"), std::string(str(inner, "reason")), {}, {}});
      break;
    default:
      s.gupshup_id = gs_id;
      s.provider_message_id = id;
      break;
  }
  const std::string& key = s.gupshup_id.empty() ? s.provider_message_id : s.gupshup_id;
  if (key.empty()) {
    batch.skipped.push_back({"payload", "message-event without id", {}});
    return;
  }
  s.timestamp = integer(inner, "ts").value_or(integer(root, "timestamp").value_or(0) / 1000);
  s.dedupe_key = "st:" + key + ":" + std::string(to_string(s.status));
  batch.statuses.push_back(std::move(s));
}

}  // namespace

std::variant<WebhookBatch, ParseFailure> parse_callback(std::string_view raw_body) {
  boost::system::error_code ec;
  json::value root = json::parse(raw_body, ec);
  if (ec) return ParseFailure{ParseFailure::Kind::not_json, ec.message()};
  const json::object* o = root.if_object();
  if (!o) return ParseFailure{ParseFailure::Kind::not_an_object, "the body is not a JSON object"};
  if (str(*o, "object") == "whatsapp_business_account") return meta::parse_webhook(raw_body);
  const json::value* type_value = o->if_contains("type");
  if (!type_value || !type_value->is_string())
    return ParseFailure{ParseFailure::Kind::wrong_object, "no string \"type\": not a Gupshup v2 callback"};
  const std::string_view type = str(*o, "type");
  const std::string app(str(*o, "app"));
  WebhookBatch batch;
  if (type == "message") {
    read_message(*o, app, batch);
  } else if (type == "message-event") {
    read_event(*o, app, batch);
  } else {
    std::string reason = "callback type not handled: " + clip(type);
    if (const json::object* p = object(*o, "payload")) {
      const std::string_view sub = str(*p, "type");
      if (!sub.empty()) reason += " (" + clip(sub) + ")";
    }
    batch.skipped.push_back({"", std::move(reason), {}});
  }
  return batch;
}

bool verify_callback_token(std::string_view expected, std::string_view presented) {
  return detail::secrets_equal(expected, presented);
}

namespace {

struct Address {
  int family{0};  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
  int bits() const { return family == AF_INET ? 32 : 128; }
};

std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() >= 64) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  Address a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = AF_INET6;
    // An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is compared as IPv4.
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), mapped, 12) == 0) {
      std::array<unsigned char, 16> v4{};
      std::memcpy(v4.data(), a.bytes.data() + 12, 4);
      a.bytes = v4;
      a.family = AF_INET;
    }
    return a;
  }
  return std::nullopt;
}

bool in_block(const Address& peer, std::string_view entry) {
  std::string_view addr = entry;
  int prefix = -1;
  if (const auto slash = entry.find('/'); slash != std::string_view::npos) {
    addr = entry.substr(0, slash);
    const std::string_view bits = entry.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return false;
    prefix = 0;
    for (char c : bits) {
      if (c < '0' || c > '9') return false;
      prefix = prefix * 10 + (c - '0');
    }
  }
  const auto block = parse_address(addr);
  if (!block || block->family != peer.family) return false;
  if (prefix < 0) prefix = block->bits();
  if (prefix > block->bits()) return false;
  for (int i = 0; i < prefix; ++i) {
    const int byte = i / 8;
    const int mask = 0x80 >> (i % 8);
    if ((peer.bytes[byte] & mask) != (block->bytes[byte] & mask)) return false;
  }
  return true;
}

}  // namespace

bool source_allowed(std::string_view peer, const std::vector<std::string>& allow_list) {
  if (allow_list.empty()) return true;
  const auto address = parse_address(peer);
  if (!address) return false;
  for (const auto& entry : allow_list)
    if (in_block(*address, entry)) return true;
  return false;
}

}  // namespace contactd::channels::whatsapp::gupshup
