#include "harness/test_bot.h"

#include <boost/json.hpp>

namespace contactd::test {

namespace {

FakeReply answer(const FakeRequest& request) {
  boost::system::error_code ec;
  auto body = boost::json::parse(request.body, ec);
  const std::string text = (!ec && body.is_object() && body.as_object().contains("text"))
                               ? std::string(body.as_object().at("text").as_string())
                               : "";
  FakeReply reply = FakeReply::json(200, "");
  if (text.empty()) {
    reply.body = R"({"messages":["Hi, I am Sally. Ask me anything, or ask for an agent."],"handoff":false})";
  } else if (text.find("agent") != std::string::npos) {
    reply.body = R"({"messages":["Passing you to an agent."],"handoff":true})";
  } else if (text.find("slow") != std::string::npos) {
    reply.delay = std::chrono::milliseconds(2500);
    reply.body = R"({"messages":["Sorry, I was slow."],"handoff":false})";
  } else if (text.find("garbage") != std::string::npos) {
    reply.body = "this is not json";
  } else {
    reply.body = boost::json::serialize(
        boost::json::object{{"messages", boost::json::array{"You said: " + text}}, {"handoff", false}});
  }
  return reply;
}

}  // namespace

TestBot::TestBot() : server_(answer) {}

TestBot::TestBot(const TestCertificates& tls) : server_(answer, tls) {}

}  // namespace contactd::test
