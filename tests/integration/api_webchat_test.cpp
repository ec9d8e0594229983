// WebChat customers who lose their connection (R-IN-1: never lose the customer).
#include <thread>

#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::uint64_t sales_id(const v1::Snapshot& s) {
  for (const auto& c : s.campaigns())
    if (c.name() == "Sales") return c.id();
  FAIL("no Sales campaign");
  return 0;
}

}  // namespace

TEST_CASE("R-IN-1 a WebChat customer who reconnects within the window resumes the conversation and gets "
          "what the agent wrote meanwhile, and one who does not has left") {
  DaemonOptions options;
  options.webchat_resume_seconds = 2;
  World w(options);
  Client admin(w.port());
  const auto sales = sales_id(must_login(admin, "alice", "alice-pass").snapshot());
  require_ack(admin.request(webchat_settings(sales, v1::STRATEGY_LONGEST_IDLE)));
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");

  std::string token;
  std::uint64_t interaction = 0;
  {
    WebChatClient customer(w.port());
    customer.send({{"type", "start"}, {"campaign", sales}});
    auto started = customer.next();
    token = std::string(started.at("token").as_string());
    interaction = static_cast<std::uint64_t>(started.at("interaction").as_int64());
    next_of(ana, v1::Event::kInteractionAssigned);
  }  // the connection drops
  std::this_thread::sleep_for(300ms);
  v1::Command reply;
  reply.mutable_send_message()->set_interaction_id(interaction);
  reply.mutable_send_message()->set_text("are you still there?");
  created_id(ana.request(reply));
  CHECK(next_of(ana, v1::Event::kMessagePosted).message_posted().text() == "are you still there?");  // her own

  WebChatClient back(w.port());
  back.send({{"type", "resume"}, {"token", token}});
  auto resumed = back.next();
  REQUIRE(resumed.at("type").as_string() == "resumed");
  CHECK(resumed.at("interaction").as_int64() == static_cast<std::int64_t>(interaction));
  CHECK(back.next().at("text").as_string() == "are you still there?");
  back.send({{"type", "message"}, {"text", "yes!"}});
  CHECK(next_of(ana, v1::Event::kMessagePosted).message_posted().text() == "yes!");
  std::this_thread::sleep_for(2500ms);  // past the window while connected: nothing happens
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'customer_departed'") == "0");

  // A second customer goes away for good.
  std::string gone_token;
  {
    WebChatClient other(w.port());
    other.send({{"type", "start"}, {"campaign", sales}});
    gone_token = std::string(other.next().at("token").as_string());
  }
  std::this_thread::sleep_for(3s);
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'customer_departed'") == "1");
  WebChatClient late(w.port());
  late.send({{"type", "resume"}, {"token", gone_token}});
  auto refused = late.next();
  CHECK(refused.at("type").as_string() == "error");
  CHECK(refused.at("code").as_string() == "not_found");
  late.send({{"type", "resume"}, {"token", 42}});
  CHECK(late.next().at("code").as_string() == "invalid_argument");
}
