// Provider accounts and templates over the real API and PostgreSQL (issue
// 12): secrets are write-only (never in an answer, an event or the journal's
// payloads), enabling WhatsApp needs an account, R-OUT-3 at the API, and a
// restart brings accounts, templates and message states back.
#include "world.h"

using namespace contactd::test;

namespace {

const std::string kAccessToken = "s3cr3t-access-token-4f1d";
const std::string kAppSecret = "s3cr3t-app-secret-9a7c";
const std::string kVerifyToken = "s3cr3t-verify-token-2b6e";

v1::Command save_meta_account(const std::string& name) {
  v1::Command c;
  auto* a = c.mutable_save_provider_account()->mutable_account();
  a->set_provider(v1::PROVIDER_META);
  a->set_name(name);
  a->set_phone_number_id("106540352242922");
  a->set_business_account_id("102290129340398");
  (*a->mutable_secrets())["access_token"] = kAccessToken;
  (*a->mutable_secrets())["app_secret"] = kAppSecret;
  (*a->mutable_secrets())["verify_token"] = kVerifyToken;
  return c;
}

bool holds_secret(const std::string& text) {
  return text.find("s3cr3t") != std::string::npos;
}

std::uint64_t campaign_id(const v1::Snapshot& s, const std::string& name) {
  for (const auto& c : s.campaigns())
    if (c.name() == name) return c.id();
  FAIL("no campaign " << name);
  return 0;
}

std::uint64_t user_id(const v1::Snapshot& admin, const std::string& login) {
  for (const auto& u : admin.overseen())
    if (u.login() == login) return u.id();
  FAIL("no user " << login);
  return 0;
}

v1::Command start_whatsapp(std::uint64_t campaign, bool with_template) {
  v1::Command c;
  auto* s = c.mutable_start_interaction();
  s->set_campaign_id(campaign);
  s->set_channel(v1::CHANNEL_WHATSAPP);
  s->set_address("+55 11 99999-0001");
  if (with_template) {
    auto* t = s->mutable_template_();
    t->set_name("order_update");
    t->set_language("en_US");
    t->add_parameters("Maria");
    t->add_parameters("#42");
  } else {
    s->set_text("Hello!");
  }
  return c;
}

}  // namespace

TEST_CASE("provider accounts over the API: secrets are write-only, WhatsApp needs an account, R-OUT-3, all survive a restart") {
  World w;
  Client admin(w.port());
  const auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto sales = campaign_id(admin_snap, "Sales");
  const auto ana = user_id(admin_snap, "ana");

  // Enabling WhatsApp without an account is refused with a typed error.
  auto no_account = webchat_settings(sales, v1::STRATEGY_MANUAL, {{v1::CHANNEL_WHATSAPP, v1::PROVIDER_META}});
  auto refused = admin.request(no_account);
  CHECK(error_of(refused) == v1::FAILED_PRECONDITION);
  CHECK(refused.error().message().find("no provider account") != std::string::npos);

  auto saved = admin.request(save_meta_account("Main number"));
  CHECK_FALSE(holds_secret(saved.SerializeAsString()));
  const auto account = created_id(saved);
  auto event = next_of(admin, v1::Event::kProviderAccountSaved);
  CHECK_FALSE(holds_secret(event.SerializeAsString()));
  CHECK(event.provider_account_saved().account().secrets().empty());
  CHECK(event.provider_account_saved().account().secret_names_size() == 3);
  // An agent may not save accounts.
  Client agent(w.port());
  must_login(agent, "ana", "ana-pass");
  CHECK(error_of(agent.request(save_meta_account("Mine"))) == v1::PERMISSION_DENIED);

  v1::Command tmpl;
  tmpl.mutable_save_template()->set_account_id(account);
  auto* t = tmpl.mutable_save_template()->mutable_definition();
  t->set_name("order_update");
  t->set_language("en_US");
  t->set_category("utility");
  t->set_body("Hi {{1}}, your order {{2}} shipped.");
  require_ack(admin.request(tmpl));

  auto with_account = no_account;
  with_account.mutable_update_campaign()->mutable_settings()->mutable_channels(1)->set_account_id(account);
  require_ack(admin.request(with_account));
  v1::Command member;
  member.mutable_set_membership()->set_user_id(ana);
  member.mutable_set_membership()->set_campaign_id(sales);
  member.mutable_set_membership()->set_member(true);
  member.mutable_set_membership()->add_outbound(v1::CHANNEL_WHATSAPP);
  require_ack(admin.request(member));

  // R-OUT-3 through the API: free text first is refused, a template is accepted.
  Client ana_client(w.port());
  must_login(ana_client, "ana", "ana-pass");
  auto free_text = ana_client.request(start_whatsapp(sales, false));
  CHECK(error_of(free_text) == v1::FAILED_PRECONDITION);
  CHECK(free_text.error().message().find("approved template") != std::string::npos);
  const auto interaction = created_id(ana_client.request(start_whatsapp(sales, true)));
  auto posted = next_of(ana_client, v1::Event::kMessagePosted);
  CHECK(posted.message_posted().text() == "Hi Maria, your order #42 shipped.");
  CHECK(posted.message_posted().state() == v1::MESSAGE_STATE_QUEUED);
  CHECK(posted.message_posted().template_().name() == "order_update");
  CHECK(w.db.query("SELECT state || ' ' || (template->>'name') FROM messages WHERE interaction_id = " +
                   std::to_string(interaction)) == "queued order_update");
  CHECK(w.db.query("SELECT account_id FROM interactions WHERE id = " + std::to_string(interaction)) ==
        std::to_string(account));

  // The secrets are stored for the adapters, and nowhere in the journal.
  CHECK(w.db.query("SELECT secrets->>'app_secret' FROM provider_accounts WHERE id = " + std::to_string(account)) ==
        kAppSecret);
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE payload::text LIKE '%s3cr3t%'") == "0");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'provider_account_saved'") == "1");

  // Agents list their campaigns' accounts with templates, never secrets or their names.
  v1::Command list;
  list.mutable_list_provider_accounts();
  auto listed = ana_client.request(list);
  INFO(listed.DebugString());
  REQUIRE(listed.response().provider_accounts().accounts_size() == 1);
  const auto& mine = listed.response().provider_accounts().accounts(0);
  CHECK(mine.templates_size() == 1);
  CHECK(mine.templates(0).parameter_count() == 2);
  CHECK(mine.secret_names().empty());
  CHECK_FALSE(holds_secret(listed.SerializeAsString()));

  // A restart restores the account (with its secrets: an update that leaves
  // them out keeps them), the template and the message's state.
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();
  Client after(w.port());
  must_login(after, "alice", "alice-pass");
  auto relisted = after.request(list);
  REQUIRE(relisted.response().provider_accounts().accounts_size() == 1);
  const auto& back = relisted.response().provider_accounts().accounts(0);
  CHECK(back.name() == "Main number");
  CHECK(back.secret_names_size() == 3);
  CHECK(back.templates(0).body() == "Hi {{1}}, your order {{2}} shipped.");
  CHECK_FALSE(holds_secret(relisted.SerializeAsString()));
  v1::Command rename;
  auto* renamed = rename.mutable_save_provider_account()->mutable_account();
  renamed->set_id(account);
  renamed->set_provider(v1::PROVIDER_META);
  renamed->set_name("Main line");
  renamed->set_phone_number_id("106540352242922");
  renamed->set_business_account_id("102290129340398");
  CHECK(created_id(after.request(rename)) == account);
  CHECK(w.db.query("SELECT name || ' ' || (secrets->>'verify_token') FROM provider_accounts WHERE id = " +
                   std::to_string(account)) == "Main line " + kVerifyToken);
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE payload::text LIKE '%s3cr3t%'") == "0");
  Client ana_again(w.port());
  auto snap = must_login(ana_again, "ana", "ana-pass").snapshot();
  REQUIRE(snap.active_size() == 1);
  CHECK(snap.active(0).account_id() == account);
  // Still no free text before the customer writes (R-OUT-3 after a restart).
  v1::Command send;
  send.mutable_send_message()->set_interaction_id(interaction);
  send.mutable_send_message()->set_text("Any questions?");
  CHECK(error_of(ana_again.request(send)) == v1::FAILED_PRECONDITION);
}
