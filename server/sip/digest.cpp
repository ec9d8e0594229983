#include "sip/digest.h"

#include <sofia-sip/su_md5.h>

#include <cstdio>
#include <random>

namespace contactd::sip {

std::string md5_hex(std::string_view data) {
  su_md5_t ctx;
  su_md5_init(&ctx);
  su_md5_update(&ctx, data.data(), data.size());
  char hex[33];
  su_md5_hexdigest(&ctx, hex);  // lower-case, as digest wants
  return std::string(hex, 32);
}

std::string digest_secret(std::string_view login, std::string_view realm, std::string_view password) {
  return md5_hex(std::string(login) + ":" + std::string(realm) + ":" + std::string(password));
}

std::string expected_response(std::string_view secret, std::string_view method, const DigestAnswer& a) {
  const std::string ha2 = md5_hex(std::string(method) + ":" + a.uri);
  if (!a.qop.empty())
    return md5_hex(std::string(secret) + ":" + a.nonce + ":" + a.nc + ":" + a.cnonce + ":" + a.qop + ":" + ha2);
  return md5_hex(std::string(secret) + ":" + a.nonce + ":" + ha2);
}

bool same_digest(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

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
  return std::string(expiry) + "." + md5_hex(key_ + ":" + expiry);
}

Nonces::Check Nonces::check(std::string_view nonce, std::int64_t now_seconds) const {
  const auto dot = nonce.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 16) return Check::forged;
  const std::string expiry(nonce.substr(0, dot));
  if (!same_digest(nonce.substr(dot + 1), md5_hex(key_ + ":" + expiry))) return Check::forged;
  const auto until = static_cast<std::int64_t>(std::stoull(expiry, nullptr, 16));
  return now_seconds <= until ? Check::fresh : Check::stale;
}

}  // namespace contactd::sip
