#include "channels/public_address.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>

namespace contactd::channels {
namespace {

struct Block4 {
  std::uint32_t net;
  int bits;
};

// Not public unicast (IANA IPv4 special-purpose registry, RFC 6890).
constexpr std::array<Block4, 16> kNotPublic4{{
    {0x00000000, 8},   // "this network"
    {0x0A000000, 8},   // private
    {0x64400000, 10},  // shared address space (carrier-grade NAT)
    {0x7F000000, 8},   // loopback
    {0xA9FE0000, 16},  // link-local (cloud metadata services live here)
    {0xAC100000, 12},  // private
    {0xC0000000, 24},  // IETF protocol assignments
    {0xC0000200, 24},  // documentation
    {0xC0586300, 24},  // 6to4 relay anycast
    {0xC0A80000, 16},  // private
    {0xC6120000, 15},  // benchmarking
    {0xC6336400, 24},  // documentation
    {0xCB007100, 24},  // documentation
    {0xE0000000, 4},   // multicast
    {0xF0000000, 4},   // reserved, and the broadcast address
    {0xFFFFFFFF, 32},
}};

bool public4(std::uint32_t a) {
  for (const auto& b : kNotPublic4) {
    const std::uint32_t mask = b.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - b.bits);
    if ((a & mask) == b.net) return false;
  }
  return true;
}

std::uint32_t v4_at(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

bool public6(const unsigned char* a) {
  static constexpr unsigned char kZero[10] = {};
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 address decides.
  if (std::equal(a, a + 10, kZero)) {
    if (a[10] == 0xff && a[11] == 0xff) return public4(v4_at(a + 12));
    return false;  // ::, ::1 and the compatible form
  }
  // 64:ff9b::/96 (NAT64): the embedded IPv4 address decides.
  static constexpr unsigned char kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::equal(a, a + 12, kNat64)) return public4(v4_at(a + 12));
  // 2002::/16 (6to4): the embedded IPv4 address decides.
  if (a[0] == 0x20 && a[1] == 0x02) return public4(v4_at(a + 2));
  if ((a[0] & 0xe0) != 0x20) return false;  // outside 2000::/3, global unicast
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return false;  // documentation
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && a[3] == 0x00) return false;  // Teredo
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && (a[3] & 0xf0) == 0x10) return false;  // ORCHIDv2...
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && a[3] == 0x02 && a[4] == 0x00 && a[5] == 0x00)
    return false;  // benchmarking
  return true;
}

}  // namespace

bool is_public_unicast(std::string_view address) {
  if (address.empty() || address.size() > 64) return false;
  const std::string text(address);
  unsigned char bytes[16];
  if (::inet_pton(AF_INET, text.c_str(), bytes) == 1) return public4(v4_at(bytes));
  if (::inet_pton(AF_INET6, text.c_str(), bytes) == 1) return public6(bytes);
  return false;
}

}  // namespace contactd::channels
