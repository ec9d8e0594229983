#pragma once
// Fixture files of tests/fixtures/whatsapp, read as the raw bytes a webhook
// would carry, and small helpers to unwrap the codecs' variants.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp::test {

inline std::string fixture(const std::string& name) {
  const std::string path = std::string(CONTACTD_SOURCE_DIR) + "/tests/fixtures/whatsapp/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// By value: the codecs return temporaries, and a reference into one would dangle.
template <typename T, typename E>
T ok(const std::variant<T, E>& v) {
  REQUIRE(std::holds_alternative<T>(v));
  return std::get<T>(v);
}

template <typename T, typename E>
E failed(const std::variant<T, E>& v) {
  REQUIRE(std::holds_alternative<E>(v));
  return std::get<E>(v);
}

}  // namespace contactd::channels::whatsapp::test
