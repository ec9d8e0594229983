#include "attachments/download.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

namespace contactd::attachments {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only; nullopt if empty or not digits; saturates at the maximum.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) v = std::numeric_limits<std::uint64_t>::max();
    else v = v * 10 + d;
  }
  return v;
}

RangePlan full(std::uint64_t size) { return RangePlan{RangePlan::Kind::full, 200, 0, size, ""}; }

RangePlan unsatisfiable(std::uint64_t size) {
  return RangePlan{RangePlan::Kind::unsatisfiable, 416, 0, 0, "bytes */" + std::to_string(size)};
}

RangePlan partial(std::uint64_t first, std::uint64_t last, std::uint64_t size) {
  return RangePlan{RangePlan::Kind::partial, 206, first, last - first + 1,
                   "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size)};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
  }
  return len;
}

bool attr_char(unsigned char c) {
  return std::isalnum(c) != 0 || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

RangePlan plan_range(std::string_view range, std::uint64_t size) {
  range = trim(range);
  if (range.empty() || range.size() > kMaxRangeHeader) return full(size);
  const auto eq = range.find('=');
  if (eq == std::string_view::npos || !iequals(trim(range.substr(0, eq)), "bytes")) return full(size);
  const std::string_view spec = trim(range.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return full(size);  // several ranges: see the header
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return full(size);
  const std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    const auto n = number(b);
    if (!n) return full(size);
    if (*n == 0 || size == 0) return unsatisfiable(size);
    return partial(*n >= size ? 0 : size - *n, size - 1, size);
  }
  const auto first = number(a);
  if (!first) return full(size);
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!b.empty()) {
    const auto l = number(b);
    if (!l || *l < *first) return full(size);
    last = *l;
  }
  if (*first >= size) return unsatisfiable(size);
  return partial(*first, std::min(last, size - 1), size);
}

std::string clean_filename(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t len = utf8_length(name, i);
    if (len == 0 || c < 0x20 || c == 0x7F) {
      out.push_back('_');
      i += len == 0 ? 1 : len;
      continue;
    }
    // C1 controls (U+0080..U+009F) and the bidirectional overrides that can disguise an extension.
    const std::string_view seq = name.substr(i, len);
    if ((len == 2 && c == 0xC2 && static_cast<unsigned char>(seq[1]) < 0xA0) || seq == "\u202E" || seq == "\u202D" ||
        seq == "\u202A" || seq == "\u202B" || seq == "\u2066" || seq == "\u2067" || seq == "\u2068")
      out.push_back('_');
    else
      out.append(seq);
    i += len;
  }
  constexpr std::size_t kMax = 255;
  if (out.size() > kMax) {
    const auto dot = out.rfind('.');
    std::string ext = dot != std::string::npos && out.size() - dot <= 16 ? out.substr(dot) : std::string();
    std::size_t keep = kMax - ext.size();
    while (keep > 0 && (static_cast<unsigned char>(out[keep]) & 0xC0) == 0x80) --keep;  // a character boundary
    out = out.substr(0, keep) + ext;
  }
  // Trim spaces and dots at the ends (Windows drops them; "..." is no name).
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  std::size_t lead = 0;
  while (lead < out.size() && out[lead] == ' ') ++lead;
  out.erase(0, lead);
  if (out.find_first_not_of("._") == std::string::npos) return {};
  return out;
}

std::string content_disposition(std::string_view filename, bool inline_display) {
  std::string name = clean_filename(filename);
  if (name.empty()) name = "download";
  std::string fallback;
  bool plain = true;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = c >= 0x20 && c < 0x7F && ch != '"' && ch != '\\' && ch != '/' && ch != '%' && ch != ';';
    if (!ok) plain = false;
    fallback.push_back(ok ? ch : '_');
  }
  std::string out = inline_display ? "inline" : "attachment";
  out += "; filename=\"" + fallback + "\"";
  if (!plain) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "; filename*=UTF-8''";
    for (char ch : name) {
      const auto c = static_cast<unsigned char>(ch);
      if (attr_char(c)) {
        out.push_back(ch);
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  }
  return out;
}

bool may_show_inline(std::string_view content_type) {
  const auto semi = content_type.find(';');
  const std::string_view type = trim(content_type.substr(0, semi));
  if (type == "image/svg+xml") return false;
  return type.rfind("image/", 0) == 0 || type.rfind("audio/", 0) == 0 || type.rfind("video/", 0) == 0 ||
         type == "application/pdf" || type == "text/plain";
}

}  // namespace contactd::attachments
