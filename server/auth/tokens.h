#pragma once
// Bearer tokens (API sessions, WebChat conversations): 256 random bits, and
// the hash the server stores and looks them up by (libsodium).
#include <string>
#include <string_view>

namespace contactd::auth {

// A fresh bearer token: 32 random bytes, URL-safe base64 without padding.
std::string new_token();
// What the server stores and looks tokens up by: hex BLAKE2b-256 of the token.
std::string token_hash(std::string_view token);

}  // namespace contactd::auth
