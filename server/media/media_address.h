#pragma once
// Where contactd may send media: the addresses a peer's SDP names are
// checked before a byte goes there, and a configured list of trusted
// addresses (SIP trunks and their media servers) is matched against them.
// Standard library and POSIX address parsing only; no I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactd::media {

// What an SDP connection address (c=) is, as far as sending media goes.
enum class AddressKind : std::uint8_t {
  unicast,      // an IPv4 or IPv6 literal contactd may send to (loopback and private ranges included)
  hostname,     // a well-formed domain name: legal SDP, but contactd does not resolve names for media
  unspecified,  // 0.0.0.0/8, :: (RFC 2543 hold, or nowhere)
  multicast,    // 224.0.0.0/4, ff00::/8
  broadcast,    // 240.0.0.0/4 (reserved, 255.255.255.255 among them)
  malformed,    // neither an address of the stated family nor a name (e.g. 999.1.2.3)
};
std::string_view to_string(AddressKind kind);

// `family` is "IP4" or "IP6" (the c= line's address type). IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry.
AddressKind classify_address(std::string_view family, std::string_view address);

// A set of IPv4/IPv6 addresses and prefixes ("192.0.2.7", "10.1.0.0/16",
// "2001:db8::/32"). Parsed from a comma-separated list; an entry that is not
// an address or prefix is an error.
class AddressList {
 public:
  AddressList() = default;
  // The list, or why `text` is not one (names the bad entry).
  static std::optional<AddressList> parse(std::string_view text, std::string* error);
  bool contains(std::string_view address) const;  // false for anything that is not an IP literal
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix_bits{128};
  };
  std::vector<Entry> entries_;
};

}  // namespace contactd::media
