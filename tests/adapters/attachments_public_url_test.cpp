// Signed public URLs of stored files (attachments/public_url.h), which
// providers such as Gupshup download outbound media from: what the URL
// holds, expiry, and that any change to id, expiry or signature fails.
#include <catch2/catch.hpp>
#include <cctype>
#include <string>

#include "attachments/public_url.h"

using namespace contactd::attachments;

namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";
const std::string kSecret = "a-secret-of-at-least-thirty-two-bytes!!";
constexpr std::int64_t kNow = 1'790'000'000;

PublicUrlSigner signer(std::string secret = kSecret) {
  return PublicUrlSigner(PublicUrlOptions{"https://cc.example.com/", std::move(secret), std::chrono::seconds(600)});
}

struct Parts {
  std::string exp, sig;
};

// The exp and sig of a URL path_for/url_for made.
Parts parts(const std::string& url) {
  const auto e = url.find("?exp=");
  const auto s = url.find("&sig=");
  REQUIRE(e != std::string::npos);
  REQUIRE(s != std::string::npos);
  return Parts{url.substr(e + 5, s - e - 5), url.substr(s + 5)};
}

}  // namespace

TEST_CASE("R-MSG-2 a public media URL is the base, /media/<id>, exp = now + ttl and a 64-hex HMAC") {
  const auto s = signer();
  REQUIRE(s.enabled());
  const std::string url = s.url_for(kId, kNow);
  CHECK(url.rfind("https://cc.example.com/media/" + kId + "?exp=" + std::to_string(kNow + 600) + "&sig=", 0) == 0);
  const auto p = parts(url);
  CHECK(p.sig.size() == 64);
  CHECK(p.sig.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(s.verify(kId, p.exp, p.sig, kNow));
  CHECK(s.verify(kId, p.exp, p.sig, kNow + 599));
  // HMAC-SHA256("key", "<id>\n<exp>") is fixed by the secret: a second signer with it agrees.
  CHECK(signer().verify(kId, p.exp, p.sig, kNow));
  CHECK(!PublicUrlSigner(PublicUrlOptions{"", kSecret, std::chrono::seconds(600)}).enabled());
}

TEST_CASE("R-MSG-2 a public media URL stops working when it expires") {
  const auto s = signer();
  const auto p = parts(s.path_for(kId, kNow + 10));
  CHECK(s.verify(kId, p.exp, p.sig, kNow + 9));
  CHECK(!s.verify(kId, p.exp, p.sig, kNow + 10));
  CHECK(!s.verify(kId, p.exp, p.sig, kNow + 86400));
}

TEST_CASE("R-MSG-2 a tampered public media URL fails: other id, later exp, changed or malformed sig, other secret") {
  const auto s = signer();
  const auto p = parts(s.path_for(kId, kNow + 100));
  REQUIRE(s.verify(kId, p.exp, p.sig, kNow));
  std::string other_id = kId;
  other_id[31] = other_id[31] == 'f' ? 'e' : 'f';
  CHECK(!s.verify(other_id, p.exp, p.sig, kNow));
  CHECK(!s.verify(kId, std::to_string(kNow + 100000), p.sig, kNow));  // extended expiry
  CHECK(!s.verify(kId, "0" + p.exp, p.sig, kNow));                    // same number, other text
  for (std::size_t i : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    std::string sig = p.sig;
    sig[i] = sig[i] == '0' ? '1' : '0';
    CHECK(!s.verify(kId, p.exp, sig, kNow));
  }
  std::string upper = p.sig;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != p.sig) CHECK(!s.verify(kId, p.exp, upper, kNow));  // lower-case hex only
  CHECK(!s.verify(kId, p.exp, p.sig.substr(0, 63), kNow));
  CHECK(!s.verify(kId, p.exp, p.sig + "0", kNow));
  CHECK(!s.verify(kId, p.exp, "", kNow));
  for (const char* exp :
       {"", "-1", "+1790000100", "1e10", "1790000100 ", "9999999999999999999", "12345678901234567890"})
    CHECK(!s.verify(kId, exp, p.sig, kNow));
  CHECK(!signer("another-secret-of-at-least-32-bytes!!!").verify(kId, p.exp, p.sig, kNow));
}

TEST_CASE("R-MSG-2 without a configured secret each signer draws its own, so URLs do not survive a restart") {
  const PublicUrlOptions o{"https://cc.example.com", "", std::chrono::seconds(600)};
  const PublicUrlSigner first(o), second(o);
  const auto p = parts(first.url_for(kId, kNow));
  CHECK(first.verify(kId, p.exp, p.sig, kNow));
  CHECK(!second.verify(kId, p.exp, p.sig, kNow));
}
