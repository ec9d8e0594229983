#include "channels/whatsapp/codec_support.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <boost/json/array.hpp>
#include <cstdio>

namespace contactd::channels::whatsapp::detail {

namespace json = boost::json;

std::string_view str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  const json::string& s = v->get_string();
  return {s.data(), s.size()};
}

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::string number_text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_double()) return text_of(o, key);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v->get_double());
  return buf;
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (!(d >= 0 && d < 9.0e18)) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (!v->is_string()) return std::nullopt;
  const json::string& s = v->get_string();
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

const json::object* object(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* array(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

namespace {
void sha256(std::string_view data, unsigned char out[SHA256_DIGEST_LENGTH]) {
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
}
}  // namespace

std::string location_text(const json::object& location) {
  std::string s = "Location: " + number_text(location, "latitude") + "," + number_text(location, "longitude");
  const std::string_view name = str(location, "name");
  const std::string_view address = str(location, "address");
  if (!name.empty()) s += " " + std::string(name);
  if (!address.empty()) s += (name.empty() ? " " : ", ") + std::string(address);
  return s;
}

std::string contacts_text(const json::array& contacts) {
  std::string s = "Contact:";
  bool first = true;
  for (const json::value& c : contacts) {
    const json::object* co = c.if_object();
    if (!co) continue;
    s += first ? " " : "; ";
    first = false;
    if (const json::object* name = object(*co, "name")) s += std::string(str(*name, "formatted_name"));
    if (const json::array* phones = array(*co, "phones"))
      for (const json::value& p : *phones)
        if (const json::object* po = p.if_object()) {
          const std::string_view phone = str(*po, "phone");
          if (!phone.empty()) s += " " + std::string(phone);
        }
  }
  return s;
}

bool secrets_equal(std::string_view expected, std::string_view presented) {
  if (expected.empty()) return false;
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  sha256(expected, a);
  sha256(presented, b);
  return CRYPTO_memcmp(a, b, SHA256_DIGEST_LENGTH) == 0;
}

bool digests_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() needs a non-null key pointer even for an empty key.
  static const unsigned char empty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&empty) : static_cast<const void*>(key.data());
  if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

void append_form_field(std::string& body, std::string_view name, std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  auto encode = [&](std::string_view s) {
    for (unsigned char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~') {
        body.push_back(static_cast<char>(c));
      } else {
        body.push_back('%');
        body.push_back(hex[c >> 4]);
        body.push_back(hex[c & 15]);
      }
    }
  };
  if (!body.empty()) body.push_back('&');
  encode(name);
  body.push_back('=');
  encode(value);
}

std::chrono::seconds retry_after_seconds(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return std::chrono::seconds(0);
  std::int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::chrono::seconds(0);
    n = n * 10 + (c - '0');
  }
  constexpr std::int64_t kDay = 24 * 3600;
  return std::chrono::seconds(n > kDay ? kDay : n);
}

std::string at(std::string_view base, std::string_view member, std::size_t index) {
  std::string s(base);
  if (!s.empty()) s.push_back('.');
  s.append(member);
  s.push_back('[');
  s.append(std::to_string(index));
  s.push_back(']');
  return s;
}

}  // namespace contactd::channels::whatsapp::detail
