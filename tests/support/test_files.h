#pragma once
// Files for tests: the repository's fixtures, whole files, and SHA-256 as
// the media store records it (lower-case hex). Header-only; needs
// CONTACTD_SOURCE_DIR (the repository root) for fixtures.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace contactd::test {

// The whole file at `path`; fails the test when it cannot be read.
inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

#ifdef CONTACTD_SOURCE_DIR
// tests/fixtures/<relative>.
inline std::string fixture_bytes(const std::string& relative) {
  return file_bytes(std::string(CONTACTD_SOURCE_DIR) + "/tests/fixtures/" + relative);
}
#endif

inline std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += {kHex[md[i] >> 4], kHex[md[i] & 0xF]};
  return out;
}

}  // namespace contactd::test
