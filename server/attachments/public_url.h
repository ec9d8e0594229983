#pragma once
// Signed, expiring public URLs of stored files, for providers that download
// outbound media themselves (Gupshup; later MMS and others):
//
//   <base_url>/media/<attachment id>?exp=<unix seconds>&sig=<hex>
//
// sig = lower-case hex of HMAC-SHA256(secret, "<id>\n<exp>"), exp exactly
// as written in the URL. A URL is good while now < exp. The route that
// serves them (api/attachment_routes.h) answers every bad, expired or
// tampered URL with the same 404, so nothing tells which part was wrong.
// Standard library and OpenSSL only.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace contactd::attachments {

// [media] public_base_url, url_secret, public_url_ttl_seconds.
struct PublicUrlOptions {
  // The externally reachable base URL of contactd ("https://cc.example.com",
  // no trailing '/'). Empty: no public URLs (providers that need them cannot
  // carry media).
  std::string base_url;
  // Empty: a random secret drawn at start, so a restart invalidates every
  // URL handed out before it.
  std::string secret;
  std::chrono::seconds ttl{86400};
};

class PublicUrlSigner {
 public:
  // An empty options.secret draws 32 random bytes (throws std::runtime_error
  // if the CSPRNG fails). A trailing '/' of base_url is dropped.
  explicit PublicUrlSigner(PublicUrlOptions options);

  // Whether URLs can be made at all (a base URL is configured).
  bool enabled() const { return !base_url_.empty(); }
  std::chrono::seconds ttl() const { return ttl_; }

  // The URL of `id`, good until now_unix + ttl. REQUIRES: enabled().
  std::string url_for(std::string_view id, std::int64_t now_unix) const;
  // "/media/<id>?exp=<exp>&sig=<hex>" for an explicit expiry.
  std::string path_for(std::string_view id, std::int64_t exp_unix) const;

  // Whether `sig` is the signature of (id, exp) and now_unix < exp. `exp`
  // must be 1 to 18 decimal digits, `sig` 64 lower-case hex digits; the
  // comparison takes the same time wherever the signatures differ.
  bool verify(std::string_view id, std::string_view exp, std::string_view sig, std::int64_t now_unix) const;

 private:
  std::string signature(std::string_view id, std::string_view exp) const;
  std::string base_url_;
  std::string secret_;
  std::chrono::seconds ttl_;
};

}  // namespace contactd::attachments
