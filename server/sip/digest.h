#pragma once
// SIP digest authentication (RFC 2617 / RFC 7616, MD5, qop=auth or none),
// done by contactd itself: credentials change live through the API, which
// sofia's file-based auth module does not fit. No sofia types here, so the
// API can compute a user's secret when an administrator sets it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace contactd::sip {

std::string md5_hex(std::string_view data);
// The stored secret (HA1): MD5(login ":" realm ":" password).
std::string digest_secret(std::string_view login, std::string_view realm, std::string_view password);

// The Authorization parameters that enter the response.
struct DigestAnswer {
  std::string username, realm, nonce, uri, response, qop, nc, cnonce;
};
// What `response` must be for `secret` and `method` (e.g. "REGISTER").
std::string expected_response(std::string_view secret, std::string_view method, const DigestAnswer& a);
// Compares without an early exit.
bool same_digest(std::string_view a, std::string_view b);

// Stateless nonces: "<expiry, hex seconds>.<MD5(key:expiry)>", so any nonce
// this process issued is recognised without keeping it; a restart (new key)
// makes phones authenticate again.
class Nonces {
 public:
  explicit Nonces(std::chrono::seconds lifetime);
  enum class Check { fresh, stale, forged };
  std::string make(std::int64_t now_seconds) const;
  Check check(std::string_view nonce, std::int64_t now_seconds) const;

 private:
  std::string key_;
  std::chrono::seconds lifetime_;
};

}  // namespace contactd::sip
