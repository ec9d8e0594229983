#pragma once
// Password hashes (argon2id, via libsodium) for API logins.
#include <cstddef>
#include <string>
#include <string_view>

namespace contactd::auth {

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

}  // namespace contactd::auth
