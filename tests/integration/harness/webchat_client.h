#pragma once
// A WebChat customer: JSON text frames on /webchat/v1, as a browser sends them.
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <chrono>
#include <string>
#include <vector>

namespace contactd::test {

class WebChatClient {
 public:
  // Connects from `local_address` (any of 127.0.0.0/8 is this host: a
  // different source address for per-address limits).
  explicit WebChatClient(std::uint16_t port, const std::string& local_address = "127.0.0.1");
  ~WebChatClient();
  void send(const boost::json::object& frame);
  void send_raw(const std::string& text);
  // The next frame other than a "sent" acknowledgement (fails the test after 5 s).
  boost::json::object next();
  // The next "sent" acknowledgement's message id (kept aside by next()).
  std::uint64_t next_sent();
  // Any next frame, or false on timeout or a closed connection (no test failure).
  bool try_next(boost::json::object& out, std::chrono::milliseconds limit);

 private:
  boost::json::object next_frame();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::uint64_t> sent_;
};

}  // namespace contactd::test
