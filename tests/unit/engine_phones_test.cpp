#include "phone_fixture.h"

using namespace contactd::test;

namespace {

// ana may have a phone.
struct AnaPhone : Phones {
  AnaPhone() { REQUIRE(system(UpdateUser{ana, {}, {}, {}, {}, {}, "ha1-ana"}).ok()); }
};

}  // namespace

TEST_CASE("an agent is offered calls only while their phone is registered, and a waiting call rings at registration") {
  AnaPhone d;
  d.connect(d.ana);
  const auto waiting = d.call();
  CHECK(d.at(waiting).state == InteractionState::pending);  // logged in, but no phone
  CHECK_FALSE(d.engine.snapshot(d.ana).me.phone_registered);
  auto o = d.register_phone(d.ana);
  REQUIRE(o.ok());
  const auto* registered = find_event<PhoneRegistered>(o);
  REQUIRE(registered);
  CHECK(registered->contact == "sip:phone@127.0.0.1:5070");
  CHECK(d.sees(d.ana, o.events[0]));
  CHECK(d.sees(d.sam, o.events[0]));  // her supervisor sees the phone come online
  CHECK_FALSE(d.sees(d.bob, o.events[0]));
  REQUIRE(find_event<CallOffered>(o));
  CHECK(d.ringing(waiting) == std::vector<UserId>{d.ana});
  CHECK(d.engine.snapshot(d.ana).me.phone_registered);
  // Text work never needed a phone.
  CHECK(d.owner(d.open(d.sales)) == d.ana);
}

TEST_CASE("a phone registration is refused for non-system actors, unknown users, users without SIP access or "
          "deactivated, an empty contact and an expiry in the past") {
  AnaPhone d;
  CHECK(d.as(d.ana, RegisterPhone{d.ana, "sip:x@h", "udp h:1", d.clock.now() + 60s}).error->code ==
        ErrorCode::permission_denied);
  CHECK(d.register_phone(9999).error->code == ErrorCode::not_found);
  CHECK(d.register_phone(d.bob).error->code == ErrorCode::permission_denied);  // bob has no SIP secret
  CHECK(d.register_phone(d.ana, "").error->code == ErrorCode::invalid_argument);
  CHECK(d.system(RegisterPhone{d.ana, "sip:x@h", "udp h:1", d.clock.now()}).error->code == ErrorCode::invalid_argument);
  REQUIRE(d.system(UpdateUser{d.ana, {}, {}, {}, false, {}, {}}).ok());
  CHECK(d.register_phone(d.ana).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, UnregisterPhone{d.ana}).error->code == ErrorCode::permission_denied);
}

TEST_CASE("a refresh from the same phone is journal only, a moved phone is announced") {
  AnaPhone d;
  REQUIRE(d.register_phone(d.ana).ok());
  d.clock.advance(100s);
  auto refresh = d.register_phone(d.ana);
  REQUIRE(refresh.ok());
  REQUIRE(refresh.events.size() == 1);
  CHECK(refresh.events[0].audience.empty());  // durable, but nobody needs to hear it
  CHECK(d.engine.find_user(d.ana)->phone->expires_at == d.clock.now() + 300s);
  auto moved = d.register_phone(d.ana, "sip:phone@127.0.0.1:6000");
  REQUIRE(moved.ok());
  CHECK_FALSE(moved.events[0].audience.empty());
  CHECK(d.engine.next_deadline() == d.clock.now() + 300s);  // one expiry, the latest
}

TEST_CASE("a registration that is not refreshed expires at its deadline, once, and the agent gets no more calls") {
  AnaPhone d;
  d.connect(d.ana);
  REQUIRE(d.register_phone(d.ana, "sip:phone@127.0.0.1:5070", 60s).ok());
  d.clock.advance(59s);
  CHECK_FALSE(find_event<PhoneUnregistered>(d.engine.tick(d.clock.now())));
  d.clock.advance(1s);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<PhoneUnregistered>(o));
  CHECK(find_event<PhoneUnregistered>(o)->reason == PhoneGone::expired);
  CHECK_FALSE(find_event<PhoneUnregistered>(d.engine.tick(d.clock.now() + 1s)));
  CHECK(d.at(d.call()).state == InteractionState::pending);
}

TEST_CASE("unregistering, new SIP credentials and deactivation each drop the phone with their reason") {
  AnaPhone d;
  REQUIRE(d.register_phone(d.ana).ok());
  auto gone = d.system(UnregisterPhone{d.ana});
  REQUIRE(find_event<PhoneUnregistered>(gone));
  CHECK(find_event<PhoneUnregistered>(gone)->reason == PhoneGone::unregistered);
  CHECK(d.system(UnregisterPhone{d.ana}).events.empty());  // already gone: nothing happens

  REQUIRE(d.register_phone(d.ana).ok());
  CHECK(d.system(UpdateUser{d.ana, {}, {}, {}, {}, {}, "ha1-ana"}).ok());  // the same secret: kept
  CHECK(d.engine.find_user(d.ana)->phone);
  auto revoked = d.system(UpdateUser{d.ana, {}, {}, {}, {}, {}, "ha1-new"});
  REQUIRE(find_event<PhoneUnregistered>(revoked));
  CHECK(find_event<PhoneUnregistered>(revoked)->reason == PhoneGone::revoked);

  REQUIRE(d.register_phone(d.ana).ok());
  auto deactivated = d.system(UpdateUser{d.ana, {}, {}, {}, false, {}, {}});
  REQUIRE(find_event<PhoneUnregistered>(deactivated));
  CHECK(find_event<PhoneUnregistered>(deactivated)->reason == PhoneGone::revoked);
  CHECK_FALSE(d.engine.find_user(d.ana)->phone);
}
