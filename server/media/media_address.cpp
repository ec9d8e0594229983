#include "media/media_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace contactd::media {
namespace {

// `text` as a 16-byte IPv6 address (IPv4 as ::ffff:a.b.c.d), if it is an IP literal.
std::optional<std::array<std::uint8_t, 16>> ip_bytes(std::string_view text, bool* is_v4 = nullptr) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    if (is_v4) *is_v4 = true;
    return out;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    if (is_v4) *is_v4 = false;
    return out;
  }
  return std::nullopt;
}

bool v4_mapped(const std::array<std::uint8_t, 16>& b) {
  return std::all_of(b.begin(), b.begin() + 10, [](std::uint8_t x) { return x == 0; }) && b[10] == 0xff &&
         b[11] == 0xff;
}

// RFC 1035/1123 host name: dot-separated labels of letters, digits and
// hyphens (not at a label's ends), at least one letter somewhere.
bool hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool letter = false;
  std::size_t label = 0;
  char previous = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
      letter = letter || std::isalpha(static_cast<unsigned char>(c));
    } else {
      return false;
    }
    previous = c;
  }
  return letter && previous != '-';
}

}  // namespace

std::string_view to_string(AddressKind kind) {
  switch (kind) {
    case AddressKind::unicast:
      return "unicast";
    case AddressKind::hostname:
      return "hostname";
    case AddressKind::unspecified:
      return "unspecified";
    case AddressKind::multicast:
      return "multicast";
    case AddressKind::broadcast:
      return "broadcast";
    case AddressKind::malformed:
      return "malformed";
  }
  return "malformed";
}

AddressKind classify_address(std::string_view family, std::string_view address) {
  bool is_v4 = false;
  const auto bytes = ip_bytes(address, &is_v4);
  if (!bytes) {
    if (family == "IP4" && !address.empty() && std::all_of(address.begin(), address.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
        }))
      return AddressKind::malformed;  // looks like a dotted quad but is none (999.1.2.3)
    return hostname(address) ? AddressKind::hostname : AddressKind::malformed;
  }
  if (is_v4 != (family == "IP4")) return AddressKind::malformed;  // the address type and the address disagree
  const auto& b = *bytes;
  if (v4_mapped(b)) {
    if (b[12] == 0) return AddressKind::unspecified;  // 0.0.0.0/8
    if (b[12] >= 224 && b[12] <= 239) return AddressKind::multicast;
    if (b[12] >= 240) return AddressKind::broadcast;  // 240/4 and 255.255.255.255
    return AddressKind::unicast;
  }
  if (std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; })) return AddressKind::unspecified;
  if (b[0] == 0xff) return AddressKind::multicast;
  return AddressKind::unicast;
}

std::optional<AddressList> AddressList::parse(std::string_view text, std::string* error) {
  AddressList list;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const auto slash = item.find('/');
    bool is_v4 = false;
    const auto bytes = ip_bytes(item.substr(0, slash), &is_v4);
    Entry entry;
    if (bytes) entry.bytes = *bytes;
    int bits = is_v4 ? 32 : 128;
    if (bytes && slash != std::string_view::npos) {
      const std::string_view digits = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (ec != std::errc() || end != digits.data() + digits.size() || bits < 0 || bits > (is_v4 ? 32 : 128)) bits = -1;
    }
    if (!bytes || bits < 0) {
      if (error) *error = "'" + std::string(item) + "' is not an IP address or prefix (a.b.c.d, a.b.c.d/n, x::y/n)";
      return std::nullopt;
    }
    entry.prefix_bits = is_v4 ? bits + 96 : bits;
    list.entries_.push_back(entry);
  }
  return list;
}

bool AddressList::contains(std::string_view address) const {
  const auto bytes = ip_bytes(address);
  if (!bytes) return false;
  for (const auto& e : entries_) {
    bool match = true;
    for (int bit = 0; bit < e.prefix_bits && match; bit += 8) {
      const int take = std::min(8, e.prefix_bits - bit);
      const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - take));
      match = ((*bytes)[bit / 8] & mask) == (e.bytes[bit / 8] & mask);
    }
    if (match) return true;
  }
  return false;
}

}  // namespace contactd::media
