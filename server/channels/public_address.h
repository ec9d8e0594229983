#pragma once
// R-SEC-5 for requests: whether contactd may connect to an address that an
// unauthenticated party named (a media URL in an unsigned provider callback).
// Public unicast only: not loopback, private (RFC 1918, RFC 4193), shared
// (RFC 6598), link-local, unspecified, multicast, broadcast, documentation,
// benchmarking or reserved ranges, nor IPv4 through IPv6 (mapped, NAT64,
// 6to4) to any of those. Pure; `address` is textual (no port, no brackets).
#include <string_view>

namespace contactd::channels {

// False for anything that is not an IP address.
bool is_public_unicast(std::string_view address);

}  // namespace contactd::channels
