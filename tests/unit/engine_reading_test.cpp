// Reading conversations (R-MSG-7): who may read an interaction's messages,
// the last-message preview of the snapshot's lists, and partial campaign
// updates (issue 12 item 8).
#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

// Sales and Finance take WebChat; ana, bob, carla and sam are online.
struct Reading : Inbox {
  Reading() {
    configure(sales, webchat(Strategy::manual));
    configure(finance, webchat(Strategy::manual));
    connect(ana);
    connect(bob);
    connect(carla);
    connect(sam);
  }
  // ErrorCode of a refusal, or nullopt when `viewer` may read.
  std::optional<ErrorCode> refusal(UserId viewer, InteractionId id) {
    auto access = engine.message_access(viewer, id);
    if (auto* e = std::get_if<Error>(&access)) return e->code;
    return std::nullopt;
  }
  bool reads(UserId viewer, InteractionId id) { return !refusal(viewer, id); }
  const MessageAccess& access(UserId viewer, InteractionId id) {
    static MessageAccess last;
    auto a = engine.message_access(viewer, id);
    REQUIRE(std::holds_alternative<MessageAccess>(a));
    last = std::get<MessageAccess>(a);
    return last;
  }
};

}  // namespace

TEST_CASE("R-MSG-7 a pending conversation is read by its campaign's members, supervisors and administrators") {
  Reading d;
  auto id = d.open(d.sales);
  CHECK(d.reads(d.ana, id));
  CHECK(d.reads(d.bob, id));
  CHECK(d.reads(d.sam, id));
  CHECK(d.reads(d.alice, id));
  CHECK(d.refusal(d.carla, id) == ErrorCode::permission_denied);  // Finance only
  CHECK_FALSE(d.access(d.ana, id).closed_scope);                   // decided by the engine
}

TEST_CASE("R-MSG-7 an active conversation is read by its owner, a transfer's target, supervisors and administrators") {
  Reading d;
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  CHECK(d.reads(d.ana, id));
  CHECK(d.refusal(d.bob, id) == ErrorCode::permission_denied);  // a member, but ana holds it
  CHECK(d.reads(d.sam, id));
  CHECK(d.reads(d.alice, id));
  CHECK(d.refusal(d.carla, id) == ErrorCode::permission_denied);
  REQUIRE(d.as(d.ana, TransferInteraction{id, d.carla, 0}).ok());
  CHECK(d.reads(d.carla, id));  // offered to her: she reads before accepting
  REQUIRE(d.as(d.carla, AcceptTransfer{id}).ok());
  CHECK(d.reads(d.carla, id));
  CHECK(d.refusal(d.ana, id) == ErrorCode::permission_denied);  // not hers any more
}

TEST_CASE("R-MSG-7 a conversation transferred to a campaign is read by both campaigns' members while queued") {
  Reading d;
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  REQUIRE(d.as(d.ana, TransferInteraction{id, kNoUser, d.finance}).ok());
  CHECK(d.reads(d.carla, id));  // Finance: could take it
  CHECK(d.reads(d.ana, id));    // Sales, where it came from (it still sees it live)
  REQUIRE(d.as(d.carla, Take{id}).ok());
  CHECK(d.refusal(d.ana, id) == ErrorCode::permission_denied);
}

TEST_CASE("R-MSG-7 a closed conversation is left to the store with the reader's history scope") {
  Reading d;
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  CHECK(d.reads(d.ana, id));  // finished, not closed: still the engine's
  CHECK_FALSE(d.access(d.ana, id).closed_scope);
  REQUIRE(d.as(d.ana, CloseInteraction{id}).ok());
  const ContactTouch where{d.sales, d.ana};
  auto ana = d.access(d.ana, id).closed_scope;
  REQUIRE(ana);
  CHECK(ana->covers(where));
  auto bob = d.access(d.bob, id).closed_scope;
  REQUIRE(bob);
  CHECK_FALSE(bob->covers(where));  // an agent reads their own history only
  CHECK(d.access(d.sam, id).closed_scope->covers(where));
  CHECK(d.access(d.alice, id).closed_scope->covers(where));
  CHECK_FALSE(d.access(d.carla, id).closed_scope->covers(where));
}

TEST_CASE("R-MSG-7 an interaction id never issued is not found") {
  Reading d;
  auto id = d.open(d.sales);
  CHECK(d.refusal(d.ana, id + 1) == ErrorCode::not_found);
  CHECK(d.refusal(d.ana, 0) == ErrorCode::not_found);
}

TEST_CASE("R-MSG-7 the last message of an open interaction follows every message posted") {
  Reading d;
  auto id = d.open(d.sales);
  CHECK_FALSE(d.at(id).last_message);
  d.clock.advance(2s);
  auto o = d.system(CustomerMessage{id, "Hello there", {Attachment{"a.png", 10, "ref-1", false},
                                                         Attachment{"b.pdf", 10, "ref-2", false}}});
  REQUIRE(o.ok());
  auto m = d.at(id).last_message;
  REQUIRE(m);
  CHECK(m->message == find_event<MessagePosted>(o)->message);
  CHECK(m->sender == Sender::customer);
  CHECK(m->author_name == "visitor");
  CHECK(m->text == "Hello there");
  CHECK(m->created_at == d.clock.now());
  CHECK(m->attachments == 2);
  // The pending list of a member carries it.
  auto snap = d.engine.snapshot(d.bob);
  REQUIRE(snap.pending.size() == 1);
  CHECK(snap.pending[0].last_message == m);

  REQUIRE(d.as(d.ana, Take{id}).ok());
  d.clock.advance(1s);
  REQUIRE(d.as(d.ana, SendMessage{id, "Hi! How can I help?", {}}).ok());
  auto active = d.engine.snapshot(d.ana).active;
  REQUIRE(active.size() == 1);
  REQUIRE(active[0].last_message);
  CHECK(active[0].last_message->sender == Sender::agent);
  CHECK(active[0].last_message->author_name == "ana name");
  CHECK(active[0].last_message->text == "Hi! How can I help?");
  CHECK(active[0].last_message->attachments == 0);
}

TEST_CASE("R-MSG-7 a preview keeps at most 200 bytes of text, cut on a UTF-8 character boundary") {
  Reading d;
  auto id = d.open(d.sales);
  const std::string text = std::string(199, 'a') + "\xC3\xA9" + std::string(50, 'b');  // 'é' straddles byte 200
  REQUIRE(d.system(CustomerMessage{id, text, {}}).ok());
  CHECK(d.at(id).last_message->text == std::string(199, 'a'));
  CHECK(utf8_prefix("\xF0\x9F\x98\x80" "x", 3).empty());       // a 4-byte emoji is kept whole or not at all
  CHECK(utf8_prefix("\xF0\x9F\x98\x80" "x", 4) == "\xF0\x9F\x98\x80");
  CHECK(utf8_prefix("short", 200) == "short");
  CHECK(utf8_prefix(std::string(200, 'z'), 200).size() == 200);
}

TEST_CASE("R-MSG-7 the previews restored at start are in the snapshot") {
  EngineState state;
  Campaign sales;
  sales.id = 1;
  sales.name = "Sales";
  sales.settings.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  User ana;
  ana.id = 1;
  ana.login = "ana";
  ana.profile = Profile::agent;
  ana.campaigns = {1};
  sales.members[1] = Membership{};
  state.campaigns.push_back(sales);
  state.users.push_back(ana);
  state.last_campaign_id = 1;
  state.last_user_id = 1;
  EngineState::OpenInteraction loaded;
  loaded.interaction.id = 7;
  loaded.interaction.campaign = 1;
  loaded.interaction.state = InteractionState::pending;
  loaded.interaction.customer = "visitor";
  loaded.interaction.last_message = make_preview(42, Sender::customer, "visitor", "still there?", kStart, 0);
  state.interactions.push_back(loaded);
  state.last_interaction_id = 7;
  state.last_message_id = 42;
  Engine engine(std::move(state));
  auto snap = engine.snapshot(1);
  REQUIRE(snap.pending.size() == 1);
  REQUIRE(snap.pending[0].last_message);
  CHECK(snap.pending[0].last_message->message == 42);
  CHECK(snap.pending[0].last_message->text == "still there?");
}

TEST_CASE("R-ADM partial campaign update: only the named settings change, the merge is validated whole") {
  Reading d;
  CampaignSettings before = d.engine.find_campaign(d.sales)->settings;
  before.hold_music = "jazz";
  d.configure(d.sales, before);
  CampaignSettings change;  // everything else at its defaults: ignored
  change.transfer_timeout = 45s;
  auto o = d.system(UpdateCampaign{d.sales, change, {SettingsField::transfer_timeout}});
  REQUIRE(o.ok());
  const CampaignSettings& now = d.engine.find_campaign(d.sales)->settings;
  CHECK(now.transfer_timeout == Millis{45'000});
  CHECK(now.hold_music == "jazz");         // kept
  CHECK(now.has(Channel::webchat));        // kept, though `change` has no channel enabled
  CHECK(find_event<CampaignUpdated>(o)->settings.hold_music == "jazz");  // the event carries the whole result

  // Out of range: refused by the same validate as a whole update; nothing changes.
  change.transfer_timeout = 1s;
  auto refused = d.system(UpdateCampaign{d.sales, change, {SettingsField::transfer_timeout}});
  REQUIRE(refused.error);
  CHECK(refused.error->code == ErrorCode::invalid_argument);
  CHECK(refused.error->message == "transfer timeout must be 5 s to 1 h");
  CHECK(d.engine.find_campaign(d.sales)->settings.transfer_timeout == Millis{45'000});

  // A merge that breaks a rule across fields is refused: ring_all needs the phone channel.
  CampaignSettings ring;
  ring.strategy = Strategy::ring_all;
  auto inconsistent = d.system(UpdateCampaign{d.sales, ring, {SettingsField::strategy}});
  REQUIRE(inconsistent.error);
  CHECK(inconsistent.error->code == ErrorCode::invalid_argument);

  // Several fields at once; no fields: the whole settings, as before.
  CampaignSettings two;
  two.bot = BotSettings{"Sally", "http://127.0.0.1:1/bot", Millis{2000}};
  two.hold_music = "rock";
  REQUIRE(d.system(UpdateCampaign{d.sales, two, {SettingsField::bot, SettingsField::hold_music}}).ok());
  CHECK(d.engine.find_campaign(d.sales)->settings.bot->name == "Sally");
  CHECK(d.engine.find_campaign(d.sales)->settings.transfer_timeout == Millis{45'000});
  REQUIRE(d.system(UpdateCampaign{d.sales, webchat(Strategy::manual), {}}).ok());
  CHECK_FALSE(d.engine.find_campaign(d.sales)->settings.bot);
  CHECK(d.engine.find_campaign(d.sales)->settings.hold_music.empty());
}
