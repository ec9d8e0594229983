#include "net/routes.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "net/ascii.h"
#include "net/once.h"

namespace contactd::net {
namespace {

bool is_prefix(const std::string& pattern) { return !pattern.empty() && pattern.back() == '*'; }

// How well `pattern` matches `path`: 0 not at all; exact paths beat every
// prefix, longer prefixes beat shorter ones.
std::size_t match_rank(const std::string& pattern, std::string_view path) {
  if (!is_prefix(pattern)) return pattern == path ? std::string::npos : 0;
  const std::string_view stem(pattern.data(), pattern.size() - 1);
  return path.substr(0, stem.size()) == stem ? stem.size() + 1 : 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::string* RequestHead::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return &v;
  return nullptr;
}

const std::string* RequestHead::parameter(std::string_view name) const {
  for (const auto& [n, v] : query)
    if (n == name) return &v;
  return nullptr;
}

Response Response::text(int status, std::string body) {
  return Response{status, "text/plain", {}, std::move(body)};
}

Response Response::json(int status, std::string body) {
  return Response{status, "application/json", {}, std::move(body)};
}

bool Responder::respond(Answer answer) const { return (*once_)(std::move(answer)); }

void ChunkAck::operator()() const { (*once_)(true); }

bool StreamDecision::accept(SinkPtr sink) const {
  if (!sink) throw std::invalid_argument("StreamDecision::accept needs a sink");
  return (*once_)(std::move(sink));
}

bool StreamDecision::refuse(Answer answer) const { return (*once_)(std::move(answer)); }

void RouteTable::add(Route route) {
  for (const auto& r : routes_) {
    if (r.path != route.path) continue;
    for (const auto& m : route.methods)
      if (std::find(r.methods.begin(), r.methods.end(), m) != r.methods.end())
        throw std::logic_error("two routes for " + m + " " + route.path);
  }
  routes_.push_back(std::move(route));
}

void RouteTable::buffered(std::vector<std::string> methods, std::string path, BodyLimits limits,
                          BufferedHandler handler) {
  add(Route{std::move(methods), std::move(path), limits, std::move(handler)});
}

void RouteTable::streaming(std::vector<std::string> methods, std::string path, BodyLimits limits,
                           StreamingHandler handler) {
  add(Route{std::move(methods), std::move(path), limits, std::move(handler)});
}

void RouteTable::websocket(std::string path, FrameHandler& handler, bool binary) {
  add(Route{{"GET"}, std::move(path), BodyLimits{}, WebSocketEndpoint{&handler, binary}});
}

void RouteTable::page(std::string path, std::string content_type, std::string body) {
  buffered({"GET"}, std::move(path), BodyLimits{},
           [content_type = std::move(content_type), body = std::move(body)](const RequestHead&, std::string,
                                                                            Responder responder) {
             responder.respond(Response{200, content_type, {}, body});
           });
}

RouteTable::Match RouteTable::find(std::string_view method, std::string_view path) const {
  // The best-matching pattern first; then, among its routes, the method.
  std::size_t best = 0;
  for (const auto& r : routes_) best = std::max(best, match_rank(r.path, path));
  Match match;
  if (best == 0) return match;
  for (const auto& r : routes_) {
    if (match_rank(r.path, path) != best) continue;
    for (const auto& m : r.methods) {
      if (m == method) {
        match.route = &r;
        match.allow.clear();
        return match;
      }
      if (match.allow.find(m) == std::string::npos) match.allow += (match.allow.empty() ? "" : ", ") + m;
    }
  }
  return match;
}

std::vector<Field> decode_query(std::string_view query) {
  std::vector<Field> fields;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    fields.emplace_back(decode_component(pair.substr(0, eq)),
                        eq == std::string_view::npos ? std::string() : decode_component(pair.substr(eq + 1)));
  }
  return fields;
}

std::variant<WholeBody, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size) {
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size() || !iequals(header.substr(0, kUnit.size()), kUnit)) return WholeBody{};
  const std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return WholeBody{};  // several ranges: the whole file
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return WholeBody{};
  const std::string_view first_text = trim(spec.substr(0, dash)), last_text = trim(spec.substr(dash + 1));
  if (first_text.empty()) {  // the last N bytes
    const auto suffix = parse_number(last_text);
    if (!suffix) return WholeBody{};
    if (*suffix == 0 || size == 0) return Unsatisfiable{};
    const std::uint64_t length = std::min(*suffix, size);
    return ByteRange{size - length, length};
  }
  const auto first = parse_number(first_text);
  if (!first) return WholeBody{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto parsed = parse_number(last_text);
    if (!parsed || *parsed < *first) return WholeBody{};  // invalid: ignored (RFC 9110 §14.2)
    last = std::min(*parsed, last);
  }
  if (*first >= size) return Unsatisfiable{};
  return ByteRange{*first, last - *first + 1};
}

}  // namespace contactd::net
