#pragma once
// Password hashes (argon2id) and session tokens (256 random bits), via libsodium.
#include <string>
#include <string_view>

namespace contactd::api {

struct PasswordCost {
  unsigned long long opslimit;  // argon2id passes
  std::size_t memlimit_bytes;
  static PasswordCost interactive();
};

// Initialises libsodium; throws if it cannot.
void init_crypto();
// An argon2id hash string with its parameters and salt. Throws on failure.
std::string hash_password(std::string_view password, PasswordCost cost);
// Constant-time check of `password` against an argon2id hash string.
bool verify_password(const std::string& hash, std::string_view password);

// A fresh bearer token: 32 random bytes, URL-safe base64 without padding.
std::string new_token();
// What the server stores and looks tokens up by: hex BLAKE2b-256 of the token.
std::string token_hash(std::string_view token);

}  // namespace contactd::api
