#pragma once
// A minimal HTTP GET for /healthz and /readyz.
#include <cstdint>
#include <string>

namespace contactd::test {

struct HttpReply {
  int status{0};
  std::string body;
};

HttpReply http_get(std::uint16_t port, const std::string& target);

}  // namespace contactd::test
