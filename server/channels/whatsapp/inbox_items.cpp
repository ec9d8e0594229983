#include "channels/whatsapp/inbox_items.h"

#include <boost/json.hpp>

namespace contactd::channels::whatsapp {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}
bool flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

std::string to_payload(const InboundMessage& m) {
  json::object o{{"account", m.account},
                 {"from", m.from},
                 {"user_id", m.user_id},
                 {"profile_name", m.profile_name},
                 {"id", m.provider_message_id},
                 {"timestamp", m.timestamp},
                 {"type", to_string(m.type)},
                 {"text", m.text},
                 {"context_id", m.context_provider_id},
                 {"context_gupshup_id", m.context_gupshup_id}};
  if (m.media)
    o["media"] = json::object{{"id", m.media->provider_media_id}, {"url", m.media->url},
                              {"url_expiry_ms", m.media->url_expiry_ms}, {"mime_type", m.media->mime_type},
                              {"sha256", m.media->sha256}, {"filename", m.media->filename},
                              {"voice", m.media->voice}};
  return json::serialize(o);
}

std::string to_payload(const InboundStatus& s) {
  json::array errors;
  for (const auto& e : s.errors)
    errors.push_back(json::object{{"code", e.code}, {"title", e.title}, {"message", e.message}, {"details", e.details}});
  return json::serialize(json::object{{"account", s.account},
                                      {"id", s.provider_message_id},
                                      {"gupshup_id", s.gupshup_id},
                                      {"status", to_string(s.status)},
                                      {"timestamp", s.timestamp},
                                      {"recipient", s.recipient},
                                      {"correlation", s.correlation},
                                      {"errors", std::move(errors)}});
}

std::optional<InboundMessage> message_from_payload(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  InboundMessage m;
  m.account = str(*o, "account");
  m.from = str(*o, "from");
  m.user_id = str(*o, "user_id");
  m.profile_name = str(*o, "profile_name");
  m.provider_message_id = str(*o, "id");
  m.timestamp = num(*o, "timestamp");
  m.text = str(*o, "text");
  m.context_provider_id = str(*o, "context_id");
  m.context_gupshup_id = str(*o, "context_gupshup_id");
  const std::string type = str(*o, "type");
  for (auto t : {InboundType::text, InboundType::image, InboundType::video, InboundType::audio, InboundType::document,
                 InboundType::sticker, InboundType::reaction, InboundType::button, InboundType::interactive,
                 InboundType::location, InboundType::contacts})
    if (to_string(t) == type) m.type = t;
  if (const auto* media = o->if_contains("media"); media && media->is_object()) {
    const auto& mo = media->as_object();
    InboundMedia im;
    im.provider_media_id = str(mo, "id");
    im.url = str(mo, "url");
    im.url_expiry_ms = num(mo, "url_expiry_ms");
    im.mime_type = str(mo, "mime_type");
    im.sha256 = str(mo, "sha256");
    im.filename = str(mo, "filename");
    im.voice = flag(mo, "voice");
    m.media = std::move(im);
  }
  return m;
}

std::optional<InboundStatus> status_from_payload(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  InboundStatus s;
  s.account = str(*o, "account");
  s.provider_message_id = str(*o, "id");
  s.gupshup_id = str(*o, "gupshup_id");
  auto status = delivery_status_from(str(*o, "status"));
  if (!status) return std::nullopt;
  s.status = *status;
  s.timestamp = num(*o, "timestamp");
  s.recipient = str(*o, "recipient");
  s.correlation = str(*o, "correlation");
  if (const auto* errors = o->if_contains("errors"); errors && errors->is_array())
    for (const auto& e : errors->as_array())
      if (e.is_object())
        s.errors.push_back(ProviderError{str(e.as_object(), "code"), str(e.as_object(), "title"),
                                         str(e.as_object(), "message"), str(e.as_object(), "details")});
  return s;
}

}  // namespace contactd::channels::whatsapp
