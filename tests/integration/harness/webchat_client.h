#pragma once
// A WebChat customer: JSON text frames on /webchat/v1, as a browser sends them.
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>

namespace contactd::test {

class WebChatClient {
 public:
  explicit WebChatClient(std::uint16_t port);
  ~WebChatClient();
  void send(const boost::json::object& frame);
  void send_raw(const std::string& text);
  // The next frame (fails the test after 5 s).
  boost::json::object next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactd::test
