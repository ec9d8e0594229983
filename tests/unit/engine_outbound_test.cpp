#include "inbox_fixture.h"

using namespace contactd::test;

TEST_CASE("R-OUT-1 the snapshot lists the channels a user may start in, with the campaigns permitting it") {
  Inbox d;
  auto both = webchat(Strategy::manual);
  both.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::meta, d.add_account()};
  d.configure(d.sales, both);
  d.configure(d.finance, webchat(Strategy::manual));
  ChannelSet whatsapp_only, whatsapp_and_webchat;
  whatsapp_only.set(index(Channel::whatsapp));
  whatsapp_and_webchat.set(index(Channel::whatsapp));
  whatsapp_and_webchat.set(index(Channel::webchat));
  REQUIRE(d.system(SetMembership{d.bob, d.sales, true, 0, whatsapp_only}).ok());
  REQUIRE(d.system(SetMembership{d.bob, d.finance, true, 0, whatsapp_and_webchat}).ok());  // Finance lacks WhatsApp

  auto snap = d.engine.snapshot(d.bob);
  REQUIRE(snap.outbound.size() == 2);
  CHECK(snap.outbound[0].channel == Channel::whatsapp);
  CHECK(snap.outbound[0].campaigns == std::vector<CampaignId>{d.sales});  // Finance has no WhatsApp enabled
  CHECK(snap.outbound[1].channel == Channel::webchat);
  CHECK(snap.outbound[1].campaigns == std::vector<CampaignId>{d.finance});
  CHECK(d.engine.snapshot(d.ana).outbound.empty());  // member, but no outbound permission
}

TEST_CASE("R-OUT-6 a draft per user per channel is kept: switching channel and back returns it") {
  Inbox d;
  Draft phone{d.sales, {{"number", "+55 11 5555-0100"}}};
  Draft email{d.sales, {{"to", "x@example.com"}, {"subject", "Hello"}}};
  REQUIRE(d.as(d.ana, SaveDraft{Channel::phone, phone}).ok());
  auto saved = d.as(d.ana, SaveDraft{Channel::email, email});
  REQUIRE(find_event<DraftSaved>(saved));
  CHECK(d.sees(d.ana, saved.events[0]));
  CHECK_FALSE(d.sees(d.sam, saved.events[0]));
  auto snap = d.engine.snapshot(d.ana);
  CHECK(snap.drafts.at(Channel::phone).fields.at("number") == "+55 11 5555-0100");
  CHECK(snap.drafts.at(Channel::email).fields.at("subject") == "Hello");
  CHECK(d.as(d.ana, SaveDraft{Channel::email, email}).events.empty());  // unchanged: nothing happens
  REQUIRE(d.as(d.ana, SaveDraft{Channel::email, Draft{}}).ok());       // empty: deleted
  CHECK_FALSE(d.engine.snapshot(d.ana).drafts.count(Channel::email));
  CHECK(d.engine.snapshot(d.bob).drafts.empty());
  // Bad drafts change nothing.
  CHECK(d.as(d.ana, SaveDraft{Channel::phone, Draft{d.finance, {}}}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, SaveDraft{Channel::phone, Draft{0, {{"", "x"}}}}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SaveDraft{Channel::phone, Draft{0, {{"big", std::string(70'000, 'x')}}}}).error->code ==
        ErrorCode::invalid_argument);
  CHECK(d.engine.snapshot(d.ana).drafts.at(Channel::phone).fields.at("number") == "+55 11 5555-0100");
}
