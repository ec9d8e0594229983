#include "fixture.h"

using namespace contactd::test;

TEST_CASE("audience: descriptors resolve through the index that follows directory events") {
  Directory d;
  const auto& index = d.audiences;
  Audience sales_members;
  sales_members.members_of = {d.sales};
  CHECK(index.resolve(sales_members) == std::vector<UserId>{d.ana, d.bob, d.sam});

  Audience supervisors;
  supervisors.supervisors_of = {d.sales, d.finance};
  CHECK(index.resolve(supervisors) == std::vector<UserId>{d.sam});

  Audience admins_and_ana;
  admins_and_ana.users = {d.ana, d.ana};
  admins_and_ana.administrators = true;
  CHECK(index.resolve(admins_and_ana) == std::vector<UserId>{d.ana, d.alice});

  Audience all_but_bob;
  all_but_bob.everyone = true;
  all_but_bob.except = {d.bob};
  CHECK(index.resolve(all_but_bob) == std::vector<UserId>{d.ana, d.carla, d.sam, d.alice});
  CHECK(Audience{}.empty());
}

TEST_CASE("audience: membership changes move users in and out of campaign audiences") {
  Directory d;
  Audience finance;
  finance.members_of = {d.finance};
  CHECK_FALSE(d.audiences.includes(finance, d.ana));
  REQUIRE(d.system(SetMembership{d.ana, d.finance, true}).ok());
  CHECK(d.audiences.includes(finance, d.ana));
  REQUIRE(d.system(SetMembership{d.ana, d.finance, false}).ok());
  CHECK_FALSE(d.audiences.includes(finance, d.ana));

  // Built from a loaded state, the index answers as one that followed events.
  EngineState st;
  st.users = {User{1, "x", "X", Profile::supervisor, "h", {d.finance}, {}, {}, {}, {}}};
  AudienceIndex loaded(st);
  Audience sup;
  sup.supervisors_of = {d.finance};
  CHECK(loaded.resolve(sup) == std::vector<UserId>{1});
}
