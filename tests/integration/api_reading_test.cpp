// Reading conversations (R-MSG-7) through the real API and PostgreSQL:
// get_messages for pending, active and closed interactions, after a
// reconnect and after a daemon restart; the snapshot's last-message
// previews; refusals typed. Issue 12 item 8: transfer targets by campaign,
// partial campaign updates.
#include "harness/http_call.h"
#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;

namespace {

std::uint64_t user_id(const v1::Snapshot& admin, const std::string& login) {
  const v1::UserState* u = overseen(admin, login);
  REQUIRE(u);
  return u->id();
}

v1::Command webchat_campaign(const std::string& name) {
  v1::Command c;
  c.mutable_create_campaign()->set_name(name);
  auto* s = c.mutable_create_campaign()->mutable_settings();
  s->set_strategy(v1::STRATEGY_MANUAL);
  auto* webchat = s->add_channels();
  webchat->set_channel(v1::CHANNEL_WEBCHAT);
  webchat->set_enabled(true);
  webchat->set_provider(v1::PROVIDER_BUILTIN);
  return c;
}

v1::Command get_messages(std::uint64_t interaction, const std::string& cursor = "", std::uint32_t limit = 0) {
  v1::Command c;
  c.mutable_get_messages()->set_interaction_id(interaction);
  c.mutable_get_messages()->set_cursor(cursor);
  c.mutable_get_messages()->set_limit(limit);
  return c;
}

v1::MessagePage page_of(const v1::Envelope& e) {
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_message_page());
  return e.response().message_page();
}

// Every message of `interaction` as `client` reads it, page by page.
std::vector<v1::Message> read_all(Client& client, std::uint64_t interaction, std::uint32_t limit = 0) {
  std::vector<v1::Message> out;
  std::string cursor;
  do {
    auto page = page_of(client.request(get_messages(interaction, cursor, limit)));
    for (const auto& m : page.messages()) out.push_back(m);
    cursor = page.next_cursor();
  } while (!cursor.empty());
  return out;
}

std::vector<std::string> texts(const std::vector<v1::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.text());
  return out;
}

const v1::Interaction* item(const google::protobuf::RepeatedPtrField<v1::Interaction>& list, std::uint64_t id) {
  for (const auto& i : list)
    if (i.id() == id) return &i;
  return nullptr;
}

v1::Command on_interaction(std::uint64_t id, const std::string& kind) {
  v1::Command c;
  if (kind == "take") c.mutable_take()->set_interaction_id(id);
  if (kind == "finish") c.mutable_finish()->set_interaction_id(id);
  if (kind == "close") c.mutable_close_interaction()->set_interaction_id(id);
  return c;
}

// A WebChat campaign "Web" with ana and bob (agents) and sam (supervisor);
// carla is in Finance only.
struct Conversation {
  World w;
  Client admin{w.port()};
  v1::Snapshot admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  std::uint64_t web = created_id(admin.request(webchat_campaign("Web")));
  std::uint64_t ana_id = user_id(admin_snap, "ana"), bob_id = user_id(admin_snap, "bob"),
                sam_id = user_id(admin_snap, "sam");
  Conversation() {
    join(admin, ana_id, web);
    join(admin, bob_id, web);
    join(admin, sam_id, web);
  }
  // A customer starts a chat and writes `lines`; `watcher` (a member) sees each one posted.
  std::uint64_t chat(WebChatClient& customer, Client& watcher, const std::vector<std::string>& lines) {
    customer.send({{"type", "start"}, {"campaign", web}});
    auto started = customer.next();
    REQUIRE(started.at("type").as_string() == "started");
    const auto id = static_cast<std::uint64_t>(started.at("interaction").as_int64());
    for (const auto& line : lines) {
      customer.send({{"type", "message"}, {"text", line}});
      CHECK(next_of(watcher, v1::Event::kMessagePosted).message_posted().text() == line);
    }
    return id;
  }
};

}  // namespace

TEST_CASE("R-MSG-7 an agent reads a pending conversation, takes it, and reads it again after a reconnect") {
  Conversation d;
  Client ana(d.w.port());
  auto login = must_login(ana, "ana", "ana-pass");
  WebChatClient customer(d.w.port());
  const auto id = d.chat(customer, ana, {"Hello", "I have a question", "about my order 😀"});

  // Pending: a member reads it, page by page, oldest first.
  auto first = page_of(ana.request(get_messages(id, "", 2)));
  REQUIRE(first.messages_size() == 2);
  CHECK(first.messages(0).text() == "Hello");
  CHECK(first.messages(1).text() == "I have a question");
  CHECK(first.messages(0).sender() == v1::SENDER_CUSTOMER);
  CHECK(first.messages(0).interaction_id() == id);
  CHECK(first.messages(0).created_at_ms() > 0);
  CHECK(first.messages(0).id() < first.messages(1).id());
  REQUIRE_FALSE(first.next_cursor().empty());
  auto second = page_of(ana.request(get_messages(id, first.next_cursor(), 2)));
  REQUIRE(second.messages_size() == 1);
  CHECK(second.messages(0).text() == "about my order 😀");
  CHECK(second.next_cursor().empty());

  // The pending list's preview: the last message, no request per row.
  auto snap = ana.snapshot();
  REQUIRE(snap.response().has_snapshot());
  const v1::Interaction* pending = item(snap.response().snapshot().pending(), id);
  REQUIRE(pending);
  CHECK(pending->last_message().text() == "about my order 😀");
  CHECK(pending->last_message().sender() == v1::SENDER_CUSTOMER);
  CHECK(pending->last_message().message_id() == second.messages(0).id());

  // Taken: ana replies with a file; bob (a member) no longer reads it.
  require_ack(ana.request(on_interaction(id, "take")));
  // The file is uploaded first (the media store), then the message names it.
  HttpCallOptions upload;
  upload.headers = {{"Authorization", "Bearer " + login.token()}, {"Content-Type", "application/pdf"}};
  upload.body = "%PDF-1.4\n" + std::string(2048 - 9, 'x');
  auto stored = http_call("POST", "http://127.0.0.1:" + std::to_string(d.w.port()) +
                                      "/v1/attachments?filename=invoice.pdf&interaction=" + std::to_string(id),
                          upload);
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  const std::string reference = stored.body.substr(stored.body.find("\"id\":\"") + 6, 32);
  v1::Command say;
  say.mutable_send_message()->set_interaction_id(id);
  say.mutable_send_message()->set_text("Let me check");
  auto* file = say.mutable_send_message()->add_attachments();
  file->set_filename("invoice.pdf");
  file->set_size_bytes(1);  // what the client says is ignored: the stored file's size counts
  file->set_reference(reference);
  created_id(ana.request(say));
  customer.next();  // delivered to the customer

  Client bob(d.w.port());
  must_login(bob, "bob", "bob-pass");
  CHECK(error_of(bob.request(get_messages(id))) == v1::PERMISSION_DENIED);
  Client carla(d.w.port());
  must_login(carla, "carla", "carla-pass");
  CHECK(error_of(carla.request(get_messages(id))) == v1::PERMISSION_DENIED);
  Client sam(d.w.port());
  must_login(sam, "sam", "sam-pass");
  CHECK(read_all(sam, id).size() == 4);                            // the campaign's supervisor
  CHECK(read_all(d.admin, id).size() == 4);                        // an administrator
  CHECK(error_of(ana.request(get_messages(id + 1000))) == v1::NOT_FOUND);
  CHECK(error_of(ana.request(get_messages(id, "", 201))) == v1::INVALID_ARGUMENT);
  CHECK(error_of(ana.request(get_messages(id, "not-a-cursor"))) == v1::INVALID_ARGUMENT);
  // A cursor is for the conversation that gave it.
  const std::string other = "m1." + std::to_string(id + 1) + ".1";
  CHECK(error_of(ana.request(get_messages(id, other))) == v1::INVALID_ARGUMENT);

  // A reconnect: a new connection resumes the session and reads everything.
  const std::uint64_t seen = ana.last_seq();
  ana.close();
  Client back(d.w.port());
  auto resumed = back.resume(login.token(), seen);
  REQUIRE(resumed.has_response());
  auto all = read_all(back, id, 3);
  CHECK(texts(all) == std::vector<std::string>{"Hello", "I have a question", "about my order 😀", "Let me check"});
  CHECK(all[3].sender() == v1::SENDER_AGENT);
  CHECK(all[3].author_id() == d.ana_id);
  CHECK(all[3].author_name() == "Ana Agent");
  REQUIRE(all[3].attachments_size() == 1);
  CHECK(all[3].attachments(0).filename() == "invoice.pdf");
  CHECK(all[3].attachments(0).size_bytes() == 2048);
  CHECK(all[3].attachments(0).reference() == reference);
  CHECK(all[3].attachments(0).content_type() == "application/pdf");
  const auto now = back.snapshot();
  REQUIRE(now.response().has_snapshot());
  auto active = item(now.response().snapshot().active(), id);
  REQUIRE(active);
  CHECK(active->last_message().text() == "Let me check");
  CHECK(active->last_message().attachment_count() == 1);
  CHECK(active->last_message().author_name() == "Ana Agent");
}

TEST_CASE("R-MSG-7 a closed conversation is read by whoever may open its history, and refused to others") {
  Conversation d;
  Client ana(d.w.port());
  must_login(ana, "ana", "ana-pass");
  WebChatClient customer(d.w.port());
  const auto id = d.chat(customer, ana, {"one", "two"});
  require_ack(ana.request(on_interaction(id, "take")));
  require_ack(ana.request(on_interaction(id, "finish")));
  CHECK(texts(read_all(ana, id)) == std::vector<std::string>{"one", "two"});  // finished: still hers
  require_ack(ana.request(on_interaction(id, "close")));

  CHECK(texts(read_all(ana, id)) == std::vector<std::string>{"one", "two"});  // her history
  Client sam(d.w.port());
  must_login(sam, "sam", "sam-pass");
  CHECK(read_all(sam, id).size() == 2);  // supervises Web
  CHECK(read_all(d.admin, id).size() == 2);
  Client bob(d.w.port());
  must_login(bob, "bob", "bob-pass");
  CHECK(error_of(bob.request(get_messages(id))) == v1::PERMISSION_DENIED);  // not his
  Client carla(d.w.port());
  must_login(carla, "carla", "carla-pass");
  CHECK(error_of(carla.request(get_messages(id))) == v1::PERMISSION_DENIED);
}

TEST_CASE("R-MSG-7 after a daemon restart an open conversation's messages and preview are back") {
  Conversation d;
  std::uint64_t id = 0;
  {
    Client ana(d.w.port());
    must_login(ana, "ana", "ana-pass");
    WebChatClient customer(d.w.port());
    id = d.chat(customer, ana, {"before the restart", "still waiting"});
    require_ack(ana.request(on_interaction(id, "take")));
    v1::Command say;
    say.mutable_send_message()->set_interaction_id(id);
    say.mutable_send_message()->set_text(std::string(180, 'x') + "ééééééééééééééé");  // 210 bytes
    created_id(ana.request(say));
  }
  REQUIRE(d.w.daemon.stop() == 0);
  d.w.daemon.start();

  Client ana(d.w.port());
  auto snap = must_login(ana, "ana", "ana-pass").snapshot();
  const v1::Interaction* active = item(snap.active(), id);
  REQUIRE(active);
  // Restored by the loader: 200 bytes at most, whole characters only.
  CHECK(active->last_message().text() == std::string(180, 'x') + "éééééééééé");
  CHECK(active->last_message().sender() == v1::SENDER_AGENT);
  auto all = read_all(ana, id);
  REQUIRE(all.size() == 3);
  CHECK(all[0].text() == "before the restart");
  CHECK(all[2].text().size() == 210);
}

TEST_CASE("R-TR-3 transfer targets over the API: per campaign, its agents, no supervisors") {
  Conversation d;
  Client ana(d.w.port());
  must_login(ana, "ana", "ana-pass");
  WebChatClient customer(d.w.port());
  const auto id = d.chat(customer, ana, {"hi"});
  require_ack(ana.request(on_interaction(id, "take")));
  v1::Command targets;
  targets.mutable_list_transfer_targets()->set_interaction_id(id);
  auto listed = ana.request(targets);
  INFO(listed.DebugString());
  REQUIRE(listed.response().has_transfer_targets());
  const auto& t = listed.response().transfer_targets();
  REQUIRE(t.campaigns_size() == 1);  // only Web has WebChat
  CHECK(t.campaigns(0).id() == d.web);
  REQUIRE(t.campaigns(0).agents_size() == 1);  // bob; not ana herself, not sam the supervisor
  CHECK(t.campaigns(0).agents(0).id() == d.bob_id);
  CHECK(t.campaigns(0).agents(0).display_name() == "Bob Agent");
  CHECK_FALSE(t.campaigns(0).agents(0).available());  // not connected
}

TEST_CASE("R-ADM update_campaign with an update_mask changes one setting and keeps the others") {
  Conversation d;
  // Give Web a bot-less setup with hold music, then change only the transfer timeout.
  v1::Command music;
  music.mutable_update_campaign()->set_campaign_id(d.web);
  music.mutable_update_campaign()->mutable_settings()->set_hold_music("jazz");
  music.mutable_update_campaign()->mutable_update_mask()->add_paths("hold_music");
  require_ack(d.admin.request(music));
  v1::Command timeout;
  timeout.mutable_update_campaign()->set_campaign_id(d.web);
  timeout.mutable_update_campaign()->mutable_settings()->set_transfer_timeout_ms(45'000);
  timeout.mutable_update_campaign()->mutable_update_mask()->add_paths("transfer_timeout_ms");
  require_ack(d.admin.request(timeout));
  CHECK(d.w.db.query("SELECT settings->>'transfer_timeout_ms' FROM campaigns WHERE id = " + std::to_string(d.web)) ==
        "45000");
  CHECK(d.w.db.query("SELECT settings->>'hold_music' FROM campaigns WHERE id = " + std::to_string(d.web)) == "jazz");
  CHECK(d.w.db.query("SELECT settings->'channels' @> '[{\"channel\": \"CHANNEL_WEBCHAT\", \"enabled\": true}]' "
                     "FROM campaigns WHERE id = " + std::to_string(d.web)) == "t");

  // The merged result is validated whole; a bad value or path changes nothing.
  timeout.mutable_update_campaign()->mutable_settings()->set_transfer_timeout_ms(1000);
  CHECK(error_of(d.admin.request(timeout)) == v1::INVALID_ARGUMENT);
  v1::Command nested = timeout;
  nested.mutable_update_campaign()->mutable_update_mask()->set_paths(0, "bot.timeout_ms");
  CHECK(error_of(d.admin.request(nested)) == v1::INVALID_ARGUMENT);
  CHECK(d.w.db.query("SELECT settings->>'transfer_timeout_ms' FROM campaigns WHERE id = " + std::to_string(d.web)) ==
        "45000");
}
