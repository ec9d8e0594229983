#pragma once
// One HTTP(S) request from a test to a URL (webhooks to the daemon, checks of
// the fakes), on a fresh connection, waiting for the answer. No test
// assertions: safe on any thread.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace contactd::test {

struct HttpCallReply {
  int status{0};      // 0: no answer (see error)
  std::string error;  // why there is no answer
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpCallOptions {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string ca_file;  // https: the CA the server's certificate must chain to (required)
  std::chrono::milliseconds timeout{5000};
};

HttpCallReply http_call(const std::string& method, const std::string& url, const HttpCallOptions& options = {});

}  // namespace contactd::test
