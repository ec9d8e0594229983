#include "attachments/public_url.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace contactd::attachments {

namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSignatureHex = 64;
constexpr std::size_t kMaxExpDigits = 18;  // any such number fits std::int64_t

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xF]);
  }
  return out;
}

std::string random_secret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for the media URL secret");
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

}  // namespace

PublicUrlSigner::PublicUrlSigner(PublicUrlOptions options)
    : base_url_(std::move(options.base_url)),
      secret_(options.secret.empty() ? random_secret() : std::move(options.secret)),
      ttl_(options.ttl) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string PublicUrlSigner::signature(std::string_view id, std::string_view exp) const {
  std::string data;
  data.reserve(id.size() + 1 + exp.size());
  data.append(id).push_back('\n');
  data.append(exp);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(out, len);
}

std::string PublicUrlSigner::path_for(std::string_view id, std::int64_t exp_unix) const {
  const std::string exp = std::to_string(exp_unix);
  return "/media/" + std::string(id) + "?exp=" + exp + "&sig=" + signature(id, exp);
}

std::string PublicUrlSigner::url_for(std::string_view id, std::int64_t now_unix) const {
  return base_url_ + path_for(id, now_unix + ttl_.count());
}

bool PublicUrlSigner::verify(std::string_view id, std::string_view exp, std::string_view sig,
                             std::int64_t now_unix) const {
  if (exp.empty() || exp.size() > kMaxExpDigits || sig.size() != kSignatureHex) return false;
  std::int64_t expires = 0;
  for (char c : exp) {
    if (c < '0' || c > '9') return false;
    expires = expires * 10 + (c - '0');
  }
  const std::string expected = signature(id, exp);
  const bool same = CRYPTO_memcmp(expected.data(), sig.data(), kSignatureHex) == 0;
  return same && now_unix < expires;
}

}  // namespace contactd::attachments
