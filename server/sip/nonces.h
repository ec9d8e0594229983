#pragma once
// Stateless digest nonces for the registrar (the digest itself is in
// auth/sip_digest.h): "<expiry, hex seconds>.<MD5(key:expiry)>", so any nonce
// this process issued is recognised without keeping it; a restart (new key)
// makes phones authenticate again.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace contactd::sip {

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
