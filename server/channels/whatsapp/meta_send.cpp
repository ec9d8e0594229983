// Meta Cloud API requests out (meta_send.h): message sends, their answers,
// media lookup and upload, the template listing.
#include "channels/whatsapp/meta_send.h"

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
using detail::object;
using detail::str;
using detail::text_of;

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
