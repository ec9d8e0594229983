#pragma once
// SIP digest credentials (RFC 2617 / RFC 7616, MD5, qop=auth or none): the
// secret stored for a phone login and the response a phone must send. Plain
// functions of strings, so that the API computes a user's secret when an
// administrator sets it and the registrar checks a REGISTER against it
// (sip/nonces.h issues the nonces).
#include <string>
#include <string_view>

namespace contactd::auth {

// Lower-case hex MD5, as digest wants.
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

}  // namespace contactd::auth
