// The store's half of "restart rebuilds the engine": whatever the engine
// decides, journaled through PgJournal into a real PostgreSQL, loads back
// into an engine that answers the same.
#include <catch2/catch.hpp>
#include <functional>

#include "core/engine.h"
#include "harness/database.h"
#include "store/journal.h"
#include "store/loader.h"
#include "store/migrations.h"
#include "wire/campaign_mapping.h"

using namespace contactd;
using namespace contactd::core;
using namespace std::chrono_literals;

namespace {

struct Journaled {
  test::TestDatabase db;
  pqxx::connection conn{db.url()};
  store::PgJournal journal{db.url()};
  Engine engine;
  TimePoint now = from_unix_ms(1'790'000'000'000);

  Journaled() {
    store::apply_migrations(conn);
    engine = Engine(store::load_state(conn));
    journal.start();
  }
  ~Journaled() { journal.stop(); }

  Outcome run(Actor actor, CommandBody body) {
    Outcome o = engine.handle(Command{actor, std::move(body)}, now);
    INFO((o.error ? o.error->message : std::string()));
    REQUIRE(o.ok());
    journal.append_and_wait(o.events);
    return o;
  }
  std::uint64_t created(Outcome o) { return std::get<CreatedReply>(o.reply).id; }
  Engine reload() { return Engine(store::load_state(conn)); }
};

std::string settings_bytes(const CampaignSettings& s) {
  wire::v1::CampaignSettings m;
  wire::to_proto(s, &m);
  return m.SerializeAsString();
}

}  // namespace

TEST_CASE("R-PLAT-3 campaign settings and memberships survive a reload exactly") {
  Journaled j;
  CampaignSettings s;
  ProviderAccount gupshup{0, Provider::gupshup, "Gupshup", "", "", "DemoApp", "918000000000", "",
                          {{"api_key", "k"}, {"callback_token", "0123456789abcdef"}}};
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.channels[index(Channel::whatsapp)] =
      ChannelSettings{true, Provider::gupshup, j.created(j.run(Actor::System(), SaveProviderAccount{gupshup}))};
  s.strategy = Strategy::agent_order;
  s.bot = BotSettings{"Sally", "https://bot.example/hook", 3s};
  s.transfer_timeout = 45s;
  s.hours = OperatingHours{"UTC", {WeeklyRange{1, 540, 1080}, WeeklyRange{2, 540, 1080}}, {LocalDate{2026, 12, 25}}};
  s.dispositions = {DispositionNode{1, "Sale", DispositionType::normal,
                                    {DispositionNode{2, "Card", DispositionType::normal, {}}}},
                    DispositionNode{3, "Call back", DispositionType::reschedule, {}}};
  s.comment_policy = CommentPolicy::required;
  s.form = FormSettings{FormKind::internal, "Lead", "",
                        {FormField{"budget", "Budget", FieldType::number, true, {}},
                         FormField{"size", "Size", FieldType::choice, false, {"S", "M"}}},
                        true};
  s.email_signature = "-- \nSales team";
  s.default_capacity[index(Channel::webchat)] = 4;
  auto sales = j.created(j.run(Actor::System(), CreateCampaign{"Sales", s}));
  auto ana = j.created(j.run(Actor::System(), CreateUser{"ana", "Ana", Profile::agent, "h"}));
  ChannelSet outbound;
  outbound.set(index(Channel::whatsapp));
  j.run(Actor::System(), SetMembership{ana, sales, true, 7, outbound});
  j.run(Actor::User(ana), SaveDraft{Channel::whatsapp, Draft{sales, {{"number", "+5511"}, {"message", "Olá \"você\""}}}});
  j.run(Actor::User(ana), SaveDraft{Channel::email, Draft{0, {{"to", "x@example.com"}}}});
  j.run(Actor::User(ana), SaveDraft{Channel::email, Draft{}});  // deleted again
  auto old = j.created(j.run(Actor::System(), CreateCampaign{"Old", CampaignSettings{}}));
  j.run(Actor::System(), ArchiveCampaign{old, true});

  Engine reloaded = j.reload();
  const Campaign* c = reloaded.find_campaign(sales);
  REQUIRE(c);
  CHECK(settings_bytes(c->settings) == settings_bytes(s));
  CHECK_FALSE(c->archived);
  CHECK(reloaded.find_campaign(old)->archived);
  REQUIRE(c->members.count(ana));
  CHECK(c->members.at(ana).order == 7);
  CHECK(c->members.at(ana).outbound == outbound);
  // R-OUT-6: drafts survive, escaped text included; a deleted one stays deleted.
  const auto& drafts = reloaded.find_user(ana)->drafts;
  REQUIRE(drafts.size() == 1);
  CHECK(drafts.at(Channel::whatsapp).campaign == sales);
  CHECK(drafts.at(Channel::whatsapp).fields.at("message") == "Olá \"você\"");
  auto snap = reloaded.snapshot(ana);
  REQUIRE(snap.outbound.size() == 1);
  CHECK(snap.outbound[0].channel == Channel::whatsapp);
}

TEST_CASE("R-PLAT-3 open interactions reload with their state, owner, queue, transfer and disposition") {
  Journaled j;
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.dispositions = {DispositionNode{1, "Done", DispositionType::normal, {}}};
  s.transfer_timeout = 30s;
  auto sales = j.created(j.run(Actor::System(), CreateCampaign{"Sales", s}));
  auto finance = j.created(j.run(Actor::System(), CreateCampaign{"Finance", s}));
  auto bot_settings = s;
  bot_settings.bot = BotSettings{"Bot", "http://127.0.0.1:1/bot", 5s};
  auto support = j.created(j.run(Actor::System(), CreateCampaign{"Support", bot_settings}));
  auto ana = j.created(j.run(Actor::System(), CreateUser{"ana", "Ana", Profile::agent, "h"}));
  j.run(Actor::System(), SetMembership{ana, sales, true, 0, {}});
  j.run(Actor::System(), OpenSession{ana, "tok", j.now + 1h, 1});

  auto open = [&](CampaignId c, std::string who, int priority = 0) {
    return j.created(j.run(Actor::System(), OpenInteraction{c, Channel::webchat, who, priority}));
  };
  auto waiting_low = open(sales, "low");
  auto waiting_high = open(sales, "high", 3);
  auto active = open(sales, "active");
  j.run(Actor::User(ana), Take{active});
  auto finished = open(sales, "finished");
  j.run(Actor::User(ana), Take{finished});
  j.run(Actor::User(ana), SaveDisposition{finished, {1}, "kept", std::nullopt, false});
  j.now += 90s;  // handled for 90 s
  j.run(Actor::User(ana), Finish{finished});
  auto moving = open(sales, "moving");
  j.run(Actor::User(ana), Take{moving});
  j.run(Actor::User(ana), TransferInteraction{moving, kNoUser, finance});
  auto with_bot = open(support, "bot");
  j.run(Actor::System(), AwaitBot{with_bot});
  auto closed = open(sales, "closed");
  j.run(Actor::User(ana), Take{closed});
  j.run(Actor::User(ana), Finish{closed});
  j.run(Actor::User(ana), SaveDisposition{closed, {1}, "", std::nullopt, true});

  Engine reloaded = j.reload();
  CHECK(reloaded.interaction_count() == 6);  // all but the closed one
  CHECK_FALSE(reloaded.find_interaction(closed));
  CHECK(reloaded.find_interaction(waiting_low)->state == InteractionState::pending);
  CHECK(reloaded.pending_count(sales, Channel::webchat) == 2);
  const Interaction* a = reloaded.find_interaction(active);
  CHECK(a->state == InteractionState::active);
  CHECK(a->owner == ana);
  CHECK(reloaded.find_user(ana)->active[index(Channel::webchat)] == 1);
  // Strategy inputs survive too (least talk time, longest idle).
  CHECK(reloaded.find_user(ana)->talk_ms == 90'000);
  const Interaction* f = reloaded.find_interaction(finished);
  CHECK(f->state == InteractionState::finished);
  REQUIRE(f->disposition);
  CHECK(f->disposition->path == std::vector<std::uint32_t>{1});
  CHECK(f->disposition->comment == "kept");
  const Interaction* m = reloaded.find_interaction(moving);
  CHECK(m->state == InteractionState::pending);
  CHECK(m->campaign == finance);
  REQUIRE(m->transfer);
  CHECK(m->transfer->from == ana);
  CHECK(m->transfer->from_campaign == sales);
  CHECK(m->transfer->deadline == j.now + 30s);
  CHECK(reloaded.find_interaction(with_bot)->state == InteractionState::bot);

  // Queue order survives: when ana is back, the higher priority comes first.
  const TimePoint later = j.now + 1s;
  auto back = reloaded.handle(Command{Actor::System(), AttachSession{"tok", 2}}, later);
  REQUIRE(back.ok());
  auto take = reloaded.handle(Command{Actor::User(ana), Take{waiting_high}}, later);
  CHECK(take.ok());
  // The transfer timeout still fires after the reload: back to ana in Sales.
  auto expired = reloaded.tick(j.now + 30s);
  bool returned = false;
  for (const auto& e : expired.events)
    if (const auto* as = std::get_if<InteractionAssigned>(&e.body))
      returned = returned || (as->interaction == moving && as->how == AssignHow::returned && as->agent == ana);
  CHECK(returned);
  CHECK(reloaded.find_interaction(moving)->campaign == sales);
  // And the bot deadline (5 s) had already fired in that tick.
  CHECK(reloaded.find_interaction(with_bot)->state == InteractionState::pending);
}

namespace {

// Every row of the journal and of the query tables the journal writes, as text.
std::string dump(test::TestDatabase& db) {
  std::string out;
  for (const char* table : {"journal", "campaigns", "users", "memberships", "interactions", "messages"})
    out += std::string(table) + ":\n" +
           db.query(std::string("SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM ") + table + " t") + "\n";
  return out;
}

// The same decisions, journaled command by command or as one group.
void decide(Engine& engine, TimePoint now, const std::function<void(std::vector<Event>)>& journal) {
  auto run = [&](Actor actor, CommandBody body) {
    Outcome o = engine.handle(Command{actor, std::move(body)}, now);
    INFO((o.error ? o.error->message : std::string()));
    REQUIRE(o.ok());
    journal(o.events);
    return o;
  };
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  const auto sales = std::get<CreatedReply>(run(Actor::System(), CreateCampaign{"Sales", s}).reply).id;
  const auto ana = std::get<CreatedReply>(run(Actor::System(), CreateUser{"ana", "Ana \\ \"A\"", Profile::agent, "h"}).reply).id;
  run(Actor::System(), SetMembership{ana, sales, true, 0, {}});
  for (int k = 0; k < 20; ++k) {
    now += 1234ms;
    const auto id = std::get<CreatedReply>(
        run(Actor::System(), OpenInteraction{sales, Channel::webchat, "visitor\t" + std::to_string(k), 0}).reply).id;
    run(Actor::User(ana), Take{id});
    run(Actor::System(), CustomerMessage{id, "line one\nline two\ttab \\ back 'quote' \"dq\" ção ✓", {}});
    run(Actor::User(ana), SendMessage{id, "answer " + std::to_string(k),
                                      {Attachment{"a\tb.pdf", 1234, "ref\\1", false}, Attachment{"v.ogg", 9, "r2", true}}});
    if (k % 3 == 0) run(Actor::User(ana), Finish{id});
  }
}

}  // namespace

TEST_CASE("a group commit by COPY writes exactly the rows that one-message group commits write") {
  // Command by command every group is small (one simple-query message);
  // all at once it is over PgJournal::kCopyFrom events (COPY).
  test::TestDatabase small_db, copy_db;
  for (auto* db : {&small_db, &copy_db}) {
    pqxx::connection c(db->url());
    store::apply_migrations(c);
  }
  const TimePoint now = from_unix_ms(1'790'000'000'123);
  {
    store::PgJournal journal(small_db.url());
    journal.start();
    Engine engine;
    decide(engine, now, [&](std::vector<Event> events) { journal.append_and_wait(std::move(events)); });
    journal.stop();
  }
  std::size_t events = 0;
  {
    std::vector<Event> all;
    Engine engine;
    decide(engine, now, [&](std::vector<Event> e) { all.insert(all.end(), e.begin(), e.end()); });
    events = all.size();
    store::PgJournal journal(copy_db.url());
    journal.start();
    journal.append_and_wait(std::move(all));
    journal.stop();
  }
  REQUIRE(events >= store::PgJournal::kCopyFrom);
  CHECK(small_db.query("SELECT count(*) FROM messages") == "40");
  CHECK(small_db.query("SELECT count(*) FROM journal") == std::to_string(events));
  CHECK(dump(copy_db) == dump(small_db));
}

TEST_CASE("R-WRAP-1 R-PLAT-3 wrap-ups survive a restart: one still running keeps its deadline, one that passed "
          "while down ends on the first tick, once") {
  Journaled j;
  CampaignSettings s;
  s.channels[index(Channel::phone)] = ChannelSettings{true, Provider::sip_trunk};
  s.strategy = Strategy::longest_idle;
  s.wrap_up = 30s;
  auto sales = j.created(j.run(Actor::System(), CreateCampaign{"Sales", s}));
  auto ana = j.created(j.run(Actor::System(), CreateUser{"ana", "Ana", Profile::agent, "h"}));
  auto bob = j.created(j.run(Actor::System(), CreateUser{"bob", "Bob", Profile::agent, "h"}));
  for (auto u : {ana, bob}) {
    j.run(Actor::System(), SetMembership{u, sales, true, 0, {}});
    j.run(Actor::System(), UpdateUser{u, {}, {}, {}, {}, {}, "ha1"});  // calls need a registered phone
    j.run(Actor::System(), RegisterPhone{u, "sip:phone@127.0.0.1:5070", "udp 127.0.0.1:5070", j.now + 1h});
  }
  j.run(Actor::System(), OpenSession{ana, "tok-a", j.now + 1h, 1});
  auto first = j.created(j.run(Actor::System(), OpenInteraction{sales, Channel::phone, "+551100", 0}));
  j.run(Actor::System(), CallAnswered{first, ana});  // her phone rang and she answered
  j.run(Actor::System(), OpenSession{bob, "tok-b", j.now + 1h, 2});
  auto second = j.created(j.run(Actor::System(), OpenInteraction{sales, Channel::phone, "+551101", 0}));
  j.run(Actor::System(), CallAnswered{second, bob});
  REQUIRE(j.engine.find_interaction(first)->owner == ana);
  REQUIRE(j.engine.find_interaction(second)->owner == bob);
  j.run(Actor::System(), CallEnded{first});
  const TimePoint ana_until = j.now + 30s;
  j.now += 20s;
  j.run(Actor::System(), CallEnded{second});
  const TimePoint bob_until = j.now + 30s;

  // Down from now; back 15 s later: ana's wrap-up has passed, bob's has not.
  Engine back = j.reload();
  REQUIRE(back.find_user(ana)->wrap_up_until == ana_until);
  REQUIRE(back.find_user(bob)->wrap_up_until == bob_until);
  REQUIRE(back.find_user(ana)->phone);  // registrations are state too
  CHECK(back.find_user(ana)->phone->contact == "sip:phone@127.0.0.1:5070");
  const TimePoint restart = j.now + 15s;
  auto first_tick = back.tick(restart);
  std::vector<UserId> ended;
  for (const auto& e : first_tick.events)
    if (const auto* w = std::get_if<WrapUpEnded>(&e.body)) ended.push_back(w->user);
  CHECK(ended == std::vector<UserId>{ana});
  CHECK_FALSE(back.find_user(ana)->wrap_up_until);
  CHECK(back.tick(restart + 1s).events.empty());  // once
  auto later = back.tick(bob_until);
  REQUIRE(later.events.size() == 1);
  CHECK(std::get<WrapUpEnded>(later.events[0].body).user == bob);
  // The end is journaled too: a second restart finds neither in wrap-up.
  j.journal.append_and_wait(first_tick.events);
  j.journal.append_and_wait(later.events);
  Engine again = j.reload();
  CHECK_FALSE(again.find_user(ana)->wrap_up_until);
  CHECK_FALSE(again.find_user(bob)->wrap_up_until);
}

TEST_CASE("R-MSG-5 R-MSG-6 R-OUT-3 provider accounts, templates, message states, replies and the window survive a reload") {
  Journaled j;
  ProviderAccount meta{0, Provider::meta, "Main", "106540352242922", "102290129340398", "", "", "",
                       {{"access_token", "tok-secret-1"}, {"app_secret", "app-secret-1"}, {"verify_token", "verify-secret-1"}}};
  const AccountId account = j.created(j.run(Actor::System(), SaveProviderAccount{meta}));
  const Template order{"order_update", "en_US", "utility", "Hi {{1}}, order {{2}}.", "", {"Track it"}};
  j.run(Actor::System(), SaveTemplate{account, order});
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::meta, account};
  auto sales = j.created(j.run(Actor::System(), CreateCampaign{"Sales", s}));
  auto ana = j.created(j.run(Actor::System(), CreateUser{"ana", "Ana", Profile::agent, "h"}));
  ChannelSet wa;
  wa.set(index(Channel::whatsapp));
  j.run(Actor::System(), SetMembership{ana, sales, true, 0, wa});
  j.run(Actor::System(), OpenSession{ana, "tok", j.now + 1h, 1});
  const TemplateUse use{"order_update", "en_US", {"Maria", "#42"}, ""};
  auto started = j.run(Actor::User(ana), StartInteraction{sales, Channel::whatsapp, "5511999990001", "", {}, use});
  const InteractionId id = j.created(started);
  MessageId first = 0;
  for (const auto& e : started.events)
    if (auto* m = std::get_if<MessagePosted>(&e.body)) first = m->message;
  j.run(Actor::System(), ReportMessageStatus{id, first, MessageState::sent, "wamid.a1"});
  j.run(Actor::System(), ReportMessageStatus{id, first, MessageState::read});
  Attachment photo{"", 0, "", false};
  photo.state = AttachmentState::pending;
  photo.provider_media_id = "media-1";
  auto in = j.run(Actor::System(), ReceiveProviderMessage{account, "5511999990001", "BR.1", "Maria", "wamid.c1", 0, "hi",
                                                          {photo}, "wamid.a1"});
  const MessageId from_customer = j.created(in);
  Attachment ready{"photo.jpg", 1234, "att-7", false, "image/jpeg"};
  j.run(Actor::System(), ReportAttachment{id, from_customer, 0, ready});

  CHECK(j.db.query("SELECT state || ' ' || provider_message_id FROM messages WHERE id = " + std::to_string(first)) ==
        "read wamid.a1");
  CHECK(j.db.query("SELECT (reply->>'message_id') || ' ' || (attachments->0->>'state') || ' ' ||"
                   " (attachments->0->>'reference') FROM messages WHERE id = " + std::to_string(from_customer)) ==
        std::to_string(first) + " ready att-7");
  CHECK(j.db.query("SELECT template->'parameters'->>1 FROM messages WHERE id = " + std::to_string(first)) == "#42");
  CHECK(j.db.query("SELECT count(*) FROM journal WHERE payload::text LIKE '%secret-1%'") == "0");

  Engine reloaded = j.reload();
  const ProviderAccount* a = reloaded.find_provider_account(account);
  REQUIRE(a);
  CHECK(*a == ProviderAccount{account, meta.provider, meta.name, meta.phone_number_id, meta.business_account_id, "", "", "",
                              meta.secrets});
  REQUIRE(reloaded.find_template(account, "order_update", "en_US"));
  CHECK(*reloaded.find_template(account, "order_update", "en_US") == order);
  CHECK(reloaded.find_conversation(account, "5511999990001")->id == id);
  const Interaction* i = reloaded.find_interaction(id);
  REQUIRE(i);
  CHECK(i->account == account);
  CHECK(i->last_customer_message_at == j.now);
  const auto* records = reloaded.message_records(id);
  REQUIRE(records);
  REQUIRE(records->size() == 2);
  CHECK(records->at(0).state == MessageState::read);
  CHECK(records->at(0).provider_message_id == "wamid.a1");
  CHECK(records->at(0).excerpt == "Hi Maria, order #42.");
  CHECK(records->at(1).sender == Sender::customer);
  CHECK(records->at(1).preview_reference == "att-7");
  REQUIRE(records->at(1).attachments.size() == 1);
  CHECK(records->at(1).attachments[0] == AttachmentState::ready);
  // The reloaded engine allows the reply (read) and free text (the customer wrote).
  auto reply = reloaded.handle(Command{Actor::User(ana), SendMessage{id, "see above", {}, first}}, j.now);
  REQUIRE(reply.ok());
  auto* deliver = std::get_if<DeliverMessage>(&reply.effects.at(0));
  REQUIRE(deliver);
  CHECK(deliver->reply_to_provider_id == "wamid.a1");

  // Finished: the engine no longer holds the messages; the SQL merge guards them.
  auto second = j.run(Actor::User(ana), SendMessage{id, "", {}, 0, use});
  const MessageId other = j.created(second);
  j.run(Actor::User(ana), Finish{id});
  j.run(Actor::System(), ReportMessageStatus{id, first, MessageState::delivered});  // late
  CHECK(j.db.query("SELECT state FROM messages WHERE id = " + std::to_string(first)) == "read");
  j.run(Actor::System(), ReportMessageStatus{id, other, MessageState::failed, "wamid.a2", "131047", "Re-engagement message"});
  CHECK(j.db.query("SELECT state || ' ' || error_code || ' ' || provider_message_id FROM messages WHERE id = " +
                   std::to_string(other)) == "failed 131047 wamid.a2");
  j.run(Actor::System(), ReportMessageStatus{id, other, MessageState::sent});  // does not undo the failure
  CHECK(j.db.query("SELECT state FROM messages WHERE id = " + std::to_string(other)) == "failed");
  j.run(Actor::System(), ReportMessageStatus{id, other, MessageState::delivered});  // delivery overrides it
  CHECK(j.db.query("SELECT state || ' ' || COALESCE(error_code, '-') FROM messages WHERE id = " + std::to_string(other)) ==
        "delivered -");
  j.run(Actor::System(), ReportMessageStatus{id, from_customer, MessageState::read});  // never on a customer's message
  CHECK(j.db.query("SELECT state FROM messages WHERE id = " + std::to_string(from_customer)) == "received");
  CHECK_FALSE(j.reload().find_conversation(account, "5511999990001"));
}
