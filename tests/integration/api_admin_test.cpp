#include "world.h"

using namespace contactd::test;

namespace {

v1::Command create_campaign(const std::string& name, v1::Strategy strategy) {
  v1::Command c;
  auto* cc = c.mutable_create_campaign();
  cc->set_name(name);
  auto* s = cc->mutable_settings();
  s->set_strategy(strategy);
  auto* webchat = s->add_channels();
  webchat->set_channel(v1::CHANNEL_WEBCHAT);
  webchat->set_enabled(true);
  webchat->set_provider(v1::PROVIDER_BUILTIN);
  webchat->set_default_capacity(2);
  s->set_transfer_timeout_ms(30000);
  auto* sale = s->add_dispositions();
  sale->set_id(1);
  sale->set_label("Sale");
  sale->set_type(v1::DISPOSITION_TYPE_NORMAL);
  return c;
}

}  // namespace

TEST_CASE("administration over the API: campaigns, users and memberships, persisted and effective at once") {
  World w;
  Client admin(w.port());
  must_login(admin, "alice", "alice-pass");

  auto campaign = created_id(admin.request(create_campaign("Support", v1::STRATEGY_LONGEST_IDLE)));
  v1::Command user;
  user.mutable_create_user()->set_login("dora");
  user.mutable_create_user()->set_display_name("Dora Agent");
  user.mutable_create_user()->set_profile(v1::AGENT);
  user.mutable_create_user()->set_password("dora-pass-1");
  auto dora = created_id(admin.request(user));
  v1::Command join;
  join.mutable_set_membership()->set_user_id(dora);
  join.mutable_set_membership()->set_campaign_id(campaign);
  join.mutable_set_membership()->set_member(true);
  join.mutable_set_membership()->add_outbound(v1::CHANNEL_WEBCHAT);
  require_ack(admin.request(join));

  // The new agent logs in with the password the administrator set.
  Client dora_client(w.port());
  auto snap = must_login(dora_client, "dora", "dora-pass-1").snapshot();
  REQUIRE(snap.campaigns_size() == 1);
  CHECK(snap.campaigns(0).name() == "Support");
  CHECK(w.db.query("SELECT settings->>'strategy' FROM campaigns WHERE name = 'Support'") == "STRATEGY_LONGEST_IDLE");
  CHECK(w.db.query("SELECT array_to_string(outbound, ',') FROM memberships WHERE user_id = " +
                   std::to_string(dora)) == "webchat");

  // Survives a restart.
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();
  Client again(w.port());
  CHECK(must_login(again, "dora", "dora-pass-1").snapshot().campaigns(0).name() == "Support");
}

TEST_CASE("administration: invalid settings and non-administrators are refused with typed errors, nothing changes") {
  World w;
  Client admin(w.port());
  must_login(admin, "alice", "alice-pass");
  auto no_strategy = create_campaign("Broken", v1::STRATEGY_UNSPECIFIED);
  CHECK(error_of(admin.request(no_strategy)) == v1::INVALID_ARGUMENT);
  auto bad_timeout = create_campaign("Broken", v1::STRATEGY_MANUAL);
  bad_timeout.mutable_create_campaign()->mutable_settings()->set_transfer_timeout_ms(10);
  auto refused = admin.request(bad_timeout);
  CHECK(error_of(refused) == v1::INVALID_ARGUMENT);
  CHECK(refused.error().message().find("transfer timeout") != std::string::npos);
  auto wrong_provider = create_campaign("Broken", v1::STRATEGY_MANUAL);
  wrong_provider.mutable_create_campaign()->mutable_settings()->mutable_channels(0)->set_provider(v1::PROVIDER_SMTP);
  CHECK(error_of(admin.request(wrong_provider)) == v1::INVALID_ARGUMENT);
  CHECK(error_of(admin.request(create_campaign("Sales", v1::STRATEGY_MANUAL))) == v1::ALREADY_EXISTS);

  Client agent(w.port());
  must_login(agent, "ana", "ana-pass");
  CHECK(error_of(agent.request(create_campaign("Mine", v1::STRATEGY_MANUAL))) == v1::PERMISSION_DENIED);
  v1::Command user;
  user.mutable_create_user()->set_login("eve");
  user.mutable_create_user()->set_display_name("Eve");
  user.mutable_create_user()->set_profile(v1::SUPER_USER);
  user.mutable_create_user()->set_password("eve-pass-12");
  CHECK(error_of(agent.request(user)) == v1::PERMISSION_DENIED);
  CHECK(error_of(admin.request(user)) == v1::PERMISSION_DENIED);  // only a super user mints super users
  user.mutable_create_user()->set_password("short");
  CHECK(error_of(admin.request(user)) == v1::INVALID_ARGUMENT);
  CHECK(w.db.query("SELECT count(*) FROM campaigns") == "2");
  CHECK(w.db.query("SELECT count(*) FROM users WHERE login = 'eve'") == "0");
}
