#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

Attachment file(std::string name, std::uint64_t size, bool voice = false) {
  return Attachment{std::move(name), size, "store/key", voice};
}

}  // namespace

TEST_CASE("R-MSG-1 customer and agent messages flow both ways, the agent's is delivered through the channel") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  auto id = d.open(d.sales, "visitor-7");
  auto hello = d.system(CustomerMessage{id, "Olá! 👋", {}});
  REQUIRE(hello.ok());
  CHECK(find_event<MessagePosted>(hello)->sender == Sender::customer);
  CHECK(d.sees(d.bob, hello.events[0]));  // pending: the campaign previews it
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto reply = d.as(d.ana, SendMessage{id, "Hi, how can I help?", {}});
  REQUIRE(reply.ok());
  const auto* m = find_event<MessagePosted>(reply);
  CHECK(m->sender == Sender::agent);
  CHECK(m->author == d.ana);
  CHECK(m->author_name == "ana name");
  CHECK_FALSE(d.sees(d.bob, reply.events[0]));  // owned now: not for other agents
  CHECK_FALSE(d.sees(d.sam, reply.events[0]));  // the supervisor spies to follow it (R-SUP-1)
  CHECK_FALSE(d.sees(d.alice, reply.events[0]));
  REQUIRE(reply.effects.size() == 1);
  const auto& deliver = std::get<DeliverMessage>(reply.effects[0]);
  CHECK(deliver.customer == "visitor-7");
  CHECK(deliver.message.text == "Hi, how can I help?");
  CHECK(d.as(d.bob, SendMessage{id, "not mine", {}}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, SendMessage{id, "   ", {}}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SendMessage{id, std::string(10'001, 'x'), {}}).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("R-MSG-1 bot messages carry the bot's name") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.bot = BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s};
  d.configure(d.sales, s);
  auto id = d.open(d.sales);
  auto o = d.system(BotMessage{id, "Hello, I am Sally"});
  REQUIRE(o.ok());
  CHECK(find_event<MessagePosted>(o)->author_name == "Sally");
  CHECK(find_event<MessagePosted>(o)->sender == Sender::bot);
  REQUIRE(d.system(BotAnswered{id, true}).ok());
  CHECK(d.system(BotMessage{id, "too late"}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-MSG-2 attachments: allowed extensions only") {
  CHECK(attachment_kind("photo.JPG") == AttachmentKind::image);
  CHECK(attachment_kind("clip.mov") == AttachmentKind::video);
  CHECK(attachment_kind("sheet.xlsx") == AttachmentKind::document);
  CHECK(attachment_kind("note.m4a") == AttachmentKind::audio);
  CHECK_FALSE(attachment_kind("run.exe"));
  CHECK_FALSE(attachment_kind("noextension"));
  CHECK_FALSE(attachment_kind("trailingdot."));
  CHECK(check_attachments(Channel::webchat, Provider::builtin, {file("run.exe", 10)})->code ==
        ErrorCode::invalid_argument);
  CHECK_FALSE(check_attachments(Channel::webchat, Provider::builtin, {file("a.pdf", 10), file("b.png", 10)}));
}

TEST_CASE("R-MSG-2 no attachments in SMS and Instagram") {
  CHECK(check_attachments(Channel::sms, Provider::sms_gateway, {file("a.png", 10)}));
  CHECK(check_attachments(Channel::instagram, Provider::meta, {file("a.png", 10)}));
  CHECK_FALSE(check_attachments(Channel::messenger, Provider::meta, {file("a.png", 10)}));
  CHECK_FALSE(check_attachments(Channel::email, Provider::smtp, {file("a.pdf", 10)}));
}

TEST_CASE("R-MSG-3 size limits by provider: Meta 8/25/25/100 MB, Gupshup and WhatsApp Business 5/16/16/100 MB, WhatsApp lowers Meta's to its own") {
  CHECK(size_limit(Provider::meta, AttachmentKind::image) == 8 * kMB);
  CHECK(size_limit(Provider::meta, AttachmentKind::audio) == 25 * kMB);
  CHECK(size_limit(Provider::meta, AttachmentKind::video) == 25 * kMB);
  CHECK(size_limit(Provider::meta, AttachmentKind::document) == 100 * kMB);
  for (auto p : {Provider::gupshup, Provider::whatsapp_business}) {
    CHECK(size_limit(p, AttachmentKind::image) == 5 * kMB);
    CHECK(size_limit(p, AttachmentKind::audio) == 16 * kMB);
    CHECK(size_limit(p, AttachmentKind::video) == 16 * kMB);
    CHECK(size_limit(p, AttachmentKind::document) == 100 * kMB);
  }
  // R-MSG-3a: the table is the outer limit; WhatsApp's Cloud API takes 5 MB images.
  CHECK(check_attachments(Channel::whatsapp, Provider::meta, {file("big.jpg", 8 * kMB)}));
  CHECK_FALSE(check_attachments(Channel::whatsapp, Provider::meta, {file("fits.jpg", 5 * kMB)}));
  CHECK_FALSE(check_attachments(Channel::messenger, Provider::meta, {file("big.jpg", 8 * kMB)}));
  auto over = check_attachments(Channel::whatsapp, Provider::gupshup, {file("big.jpg", 5 * kMB + 1)});
  REQUIRE(over);
  CHECK(over->message.find("5 MB") != std::string::npos);
  CHECK(check_attachments(Channel::whatsapp, Provider::meta, {file("huge.pdf", 100 * kMB + 1)}));
}

TEST_CASE("R-MSG-4 voice messages everywhere but SMS and Email, and they must be audio") {
  CHECK_FALSE(check_attachments(Channel::whatsapp, Provider::meta, {file("v.ogg", 1000, true)}));
  CHECK_FALSE(check_attachments(Channel::webchat, Provider::builtin, {file("v.ogg", 1000, true)}));
  CHECK(check_attachments(Channel::email, Provider::smtp, {file("v.ogg", 1000, true)}));
  CHECK_FALSE(check_attachments(Channel::email, Provider::smtp, {file("v.ogg", 1000, false)}));  // as a file: fine
  CHECK(check_attachments(Channel::sms, Provider::sms_gateway, {file("v.ogg", 1000, true)}));
  CHECK(check_attachments(Channel::webchat, Provider::builtin, {file("v.png", 1000, true)}));
}

TEST_CASE("R-MSG-3 an oversized attachment is refused and nothing is sent") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  d.configure(d.sales, s);
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto o = d.as(d.ana, SendMessage{id, "here", {file("scan.png", 9 * kMB)}});
  REQUIRE(o.error);
  CHECK(o.error->code == ErrorCode::invalid_argument);
  CHECK(o.effects.empty());
  CHECK(o.events.empty());
}

TEST_CASE("messages: a customer leaving is told to the agent, finished interactions take no more messages") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto left = d.system(CustomerLeft{id});
  REQUIRE(find_event<CustomerDeparted>(left));
  CHECK(d.sees(d.ana, left.events[0]));
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  CHECK(d.system(CustomerMessage{id, "hello?", {}}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, SendMessage{id, "bye", {}}).error->code == ErrorCode::failed_precondition);
}
