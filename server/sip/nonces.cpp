#include "sip/nonces.h"

#include <cstdio>
#include <random>

#include "auth/sip_digest.h"

namespace contactd::sip {

Nonces::Nonces(std::chrono::seconds lifetime) : lifetime_(lifetime) {
  std::random_device random;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", random());
    key_ += part;
  }
}

std::string Nonces::make(std::int64_t now_seconds) const {
  char expiry[17];
  std::snprintf(expiry, sizeof expiry, "%llx", static_cast<unsigned long long>(now_seconds + lifetime_.count()));
  return std::string(expiry) + "." + auth::md5_hex(key_ + ":" + expiry);
}

Nonces::Check Nonces::check(std::string_view nonce, std::int64_t now_seconds) const {
  const auto dot = nonce.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 16) return Check::forged;
  const std::string expiry(nonce.substr(0, dot));
  if (!auth::same_digest(nonce.substr(dot + 1), auth::md5_hex(key_ + ":" + expiry))) return Check::forged;
  const auto until = static_cast<std::int64_t>(std::stoull(expiry, nullptr, 16));
  return now_seconds <= until ? Check::fresh : Check::stale;
}

}  // namespace contactd::sip
