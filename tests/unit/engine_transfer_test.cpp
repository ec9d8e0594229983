#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

// Ana owns a Sales webchat; Finance also has webchat; everyone online.
struct Transfers : Inbox {
  InteractionId chat{};
  Transfers() {
    configure(sales, webchat(Strategy::manual));
    configure(finance, webchat(Strategy::manual));
    connect(ana);
    connect(bob);
    connect(carla);
    chat = open(sales);
    REQUIRE(as(ana, Take{chat}).ok());
  }
};

}  // namespace

TEST_CASE("R-TR-1 transfer to an agent: stays with the origin until the target accepts") {
  Transfers d;
  auto o = d.as(d.ana, TransferInteraction{d.chat, d.carla, 0});
  REQUIRE(o.ok());
  CHECK(find_event<TransferRequested>(o)->to_agent == d.carla);
  CHECK(d.owner(d.chat) == d.ana);
  CHECK(d.sees(d.carla, o.events[0]));
  CHECK(d.as(d.bob, AcceptTransfer{d.chat}).error->code == ErrorCode::permission_denied);
  auto accepted = d.as(d.carla, AcceptTransfer{d.chat});
  REQUIRE(accepted.ok());
  CHECK(find_event<InteractionAssigned>(accepted)->how == AssignHow::transfer);
  CHECK(d.owner(d.chat) == d.carla);
  CHECK(d.at(d.chat).campaign == d.finance);  // carla works in Finance, which has webchat
  CHECK(d.engine.find_user(d.ana)->active_total() == 0);
}

TEST_CASE("R-TR-1 transfer to a campaign: queued there, taken by one of its agents") {
  Transfers d;
  auto o = d.as(d.ana, TransferInteraction{d.chat, kNoUser, d.finance});
  REQUIRE(o.ok());
  CHECK(d.at(d.chat).state == InteractionState::pending);
  CHECK(d.at(d.chat).campaign == d.finance);
  CHECK(d.engine.pending_count(d.finance, Channel::webchat) == 1);
  auto taken = d.as(d.carla, Take{d.chat});
  REQUIRE(taken.ok());
  CHECK(find_event<InteractionAssigned>(taken)->how == AssignHow::transfer);
  CHECK_FALSE(d.at(d.chat).transfer);
  d.clock.advance(30s);  // the timeout went with the transfer
  CHECK(count_events<TransferTimedOut>(d.engine.tick(d.clock.now())) == 0);
  CHECK(d.owner(d.chat) == d.carla);
}

TEST_CASE("R-TR-1 targets must have the channel, never an external number") {
  Transfers d;
  auto phone_only = CampaignSettings{};
  phone_only.channels[index(Channel::phone)] = ChannelSettings{true, Provider::sip_trunk};
  auto support = d.created(d.system(CreateCampaign{"Support", phone_only}));
  CHECK(d.as(d.ana, TransferInteraction{d.chat, kNoUser, support}).error->code == ErrorCode::failed_precondition);
  auto dave = d.make_user("dave", Profile::agent);
  d.join(dave, support);
  d.connect(dave);
  CHECK(d.as(d.ana, TransferInteraction{d.chat, dave, 0}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, TransferInteraction{d.chat, kNoUser, 0}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, TransferInteraction{d.chat, d.bob, d.finance}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, TransferInteraction{d.chat, d.ana, 0}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.bob, TransferInteraction{d.chat, d.carla, 0}).error->code == ErrorCode::permission_denied);
  CHECK_FALSE(d.at(d.chat).transfer);
}

TEST_CASE("R-TR-3 an agent target must be connected and without a status or break") {
  Transfers d;
  REQUIRE(d.as(d.carla, SetStatus{kNoUser, d.lunch}).ok());
  CHECK(d.as(d.ana, TransferInteraction{d.chat, d.carla, 0}).error->code == ErrorCode::failed_precondition);
  REQUIRE(d.as(d.carla, ClearStatus{}).ok());
  REQUIRE(d.system(DetachConnection{103}).ok());  // carla's connection
  CHECK(d.as(d.ana, TransferInteraction{d.chat, d.carla, 0}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-TR-4 nobody takes a campaign transfer in time: it returns to the agent who started it") {
  Transfers d;
  REQUIRE(d.as(d.ana, TransferInteraction{d.chat, kNoUser, d.finance}).ok());
  CHECK(d.engine.next_deadline() == d.clock.now() + 30s);
  d.clock.advance(29s);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  d.clock.advance(1s);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<TransferTimedOut>(o));
  REQUIRE(find_event<InteractionAssigned>(o));
  CHECK(find_event<InteractionAssigned>(o)->how == AssignHow::returned);
  CHECK(d.owner(d.chat) == d.ana);
  CHECK(d.at(d.chat).campaign == d.sales);
  CHECK(d.at(d.chat).state == InteractionState::active);
  CHECK(d.engine.pending_count(d.finance, Channel::webchat) == 0);
  CHECK(d.as(d.carla, Take{d.chat}).error->code == ErrorCode::permission_denied);  // back in Sales
}

TEST_CASE("R-TR-4 an agent transfer not accepted in time stays with its origin") {
  Transfers d;
  REQUIRE(d.as(d.ana, TransferInteraction{d.chat, d.carla, 0}).ok());
  d.clock.advance(30s);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<TransferTimedOut>(o));
  CHECK(d.owner(d.chat) == d.ana);
  CHECK_FALSE(d.at(d.chat).transfer);
  CHECK(d.as(d.carla, AcceptTransfer{d.chat}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("transfers: one at a time, no finishing while one is in progress") {
  Transfers d;
  REQUIRE(d.as(d.ana, TransferInteraction{d.chat, d.carla, 0}).ok());
  CHECK(d.as(d.ana, TransferInteraction{d.chat, d.bob, 0}).error->code == ErrorCode::failed_precondition);
  CHECK(d.as(d.ana, Finish{d.chat}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-TR-4 one event per outcome: a text transfer that times out is one transfer_timed_out") {
  Transfers d;
  REQUIRE(d.as(d.ana, TransferInteraction{d.chat, d.carla, 0}).ok());
  d.clock.advance(30s);
  auto o = d.engine.tick(d.clock.now());
  CHECK(count_events<TransferTimedOut>(o) == 1);
  CHECK(count_events<TransferCancelled>(o) == 0);
  CHECK(o.events.size() == 1);  // the offer ends; ana still owns it
}
