#include "auth/sip_digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace contactd::auth {

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr) != 1 || length != 16)
    throw std::runtime_error("MD5 is unavailable");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (unsigned i = 0; i < 16; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
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

}  // namespace contactd::auth
