#include "fixture.h"

using namespace contactd::test;

TEST_CASE("directory: campaigns, users and statuses are created with unique names") {
  Directory d;
  CHECK(d.engine.find_campaign(d.sales)->name == "Sales");
  auto dup = d.system(CreateCampaign{"Sales"});
  REQUIRE(dup.error);
  CHECK(dup.error->code == ErrorCode::already_exists);
  CHECK(dup.events.empty());

  auto dup_user = d.system(CreateUser{"ana", "Other Ana", Profile::agent, "h"});
  REQUIRE(dup_user.error);
  CHECK(dup_user.error->code == ErrorCode::already_exists);

  auto dup_status = d.system(DefineStatus{"Lunch"});
  REQUIRE(dup_status.error);
  CHECK(dup_status.error->code == ErrorCode::already_exists);
}

TEST_CASE("directory: bad input is refused and changes nothing") {
  Directory d;
  const auto seq = d.engine.last_seq();
  const auto users = d.engine.user_count();
  for (const std::string& login : {std::string(), std::string("has space"), std::string("semi;colon"), std::string(65, 'x')}) {
    auto o = d.system(CreateUser{login, "Name", Profile::agent, "h"});
    REQUIRE(o.error);
    CHECK(o.error->code == ErrorCode::invalid_argument);
  }
  CHECK(d.system(CreateUser{"newbie", "   ", Profile::agent, "h"}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(CreateUser{"newbie", "New", Profile::agent, ""}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(CreateCampaign{"bad\nname"}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(SetMembership{999, d.sales, true}).error->code == ErrorCode::not_found);
  CHECK(d.system(SetMembership{d.ana, 999, true}).error->code == ErrorCode::not_found);
  CHECK(d.engine.last_seq() == seq);
  CHECK(d.engine.user_count() == users);
}

TEST_CASE("directory: only administrators change the directory") {
  Directory d;
  CHECK(d.as(d.ana, CreateCampaign{"Mine"}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.sam, CreateUser{"x", "X", Profile::agent, "h"}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.sam, SetMembership{d.carla, d.sales, true}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.alice, CreateCampaign{"Support"}).ok());
  // An administrator may not mint a super user; the system may.
  CHECK(d.as(d.alice, CreateUser{"root", "Root", Profile::super_user, "h"}).error->code ==
        ErrorCode::permission_denied);
  CHECK(d.system(CreateUser{"root", "Root", Profile::super_user, "h"}).ok());
}

TEST_CASE("directory: membership changes are events seen by the campaign's supervisors") {
  Directory d;
  auto o = d.system(SetMembership{d.carla, d.sales, true});
  REQUIRE(o.events.size() == 1);
  CHECK(d.sees(d.sam, o.events[0]));
  CHECK(d.sees(d.carla, o.events[0]));
  CHECK(d.sees(d.alice, o.events[0]));
  // Setting what is already so emits nothing.
  CHECK(d.system(SetMembership{d.carla, d.sales, true}).events.empty());
  // Removal is still seen by the supervisor who loses sight of the agent.
  auto removed = d.system(SetMembership{d.carla, d.sales, false});
  REQUIRE(removed.events.size() == 1);
  CHECK(d.sees(d.sam, removed.events[0]));
}

TEST_CASE("directory: event sequence numbers increase by one per event") {
  Directory d;
  auto before = d.engine.last_seq();
  auto o = d.system(CreateCampaign{"Support"});
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].seq == before + 1);
  CHECK(o.events[0].at == d.clock.now());
}

TEST_CASE("directory: an engine rebuilt from its state answers the same") {
  Directory d;
  EngineState st;
  st.campaigns = {Campaign{7, "Restored", {{3, Membership{}}}}};
  st.users = {User{3, "rita", "Rita", Profile::agent, "h", {7}, d.lunch, kStart, {}, kStart}};
  st.statuses = {Status{d.lunch, "Lunch"}};
  st.last_seq = 40;
  st.last_user_id = 3;
  st.last_campaign_id = 7;
  st.last_status_id = d.lunch;
  Engine e(std::move(st));
  CHECK(e.find_user_by_login("rita")->status == d.lunch);
  CHECK(e.find_campaign(7)->members.count(3));
  auto o = e.handle(Command{Actor::System(), CreateCampaign{"Next"}}, kStart);
  REQUIRE(o.ok());
  CHECK(std::get<CreatedReply>(o.reply).id == 8);
  CHECK(o.events[0].seq == 41);
}
