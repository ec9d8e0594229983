// The Outbound Hub: contact lists, attempts, reschedules (R-DISP-3, R-OUT-1).
#include "core/address.h"
#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

// Sales has SMS (capacity 1) and WebChat, with three-level dispositions; ana may start SMS
// in Sales, bob may not.
struct Hub : Inbox {
  explicit Hub(Strategy strategy = Strategy::longest_idle) {
    auto s = webchat(strategy);
    s.channels[index(Channel::sms)] = ChannelSettings{true, Provider::sms_gateway};
    s.dispositions = three_levels();
    s.default_capacity[index(Channel::sms)] = 1;
    configure(sales, s);
    ChannelSet sms;
    sms.set(index(Channel::sms));
    REQUIRE(system(SetMembership{ana, sales, true, 0, sms}).ok());
  }
  Outcome upload(std::vector<ContactRow> rows, std::optional<TimePoint> due = std::nullopt, UserId by = 0) {
    UploadContacts u{sales, Channel::sms, "November leads", std::move(rows), due};
    return by ? as(by, u) : as(alice, u);
  }
  // The interaction carrying out `attempt`, if any.
  const Interaction* for_attempt(AttemptId attempt, const Outcome& o) {
    for (const auto& e : o.events)
      if (auto* opened = std::get_if<InteractionOpened>(&e.body); opened && opened->attempt == attempt)
        return engine.find_interaction(opened->interaction);
    return nullptr;
  }
};

}  // namespace

TEST_CASE("R-OUT-2 phone numbers keep digits, # and * and need at least 5 digits") {
  CHECK(std::get<std::string>(normalize_address(Channel::phone, "+55 (11) 5555-0100")) == "551155550100");
  CHECK(std::get<std::string>(normalize_address(Channel::phone, "*99#1234 5")) == "*99#12345");
  CHECK(std::get<Error>(normalize_address(Channel::phone, "12-34")).code == ErrorCode::invalid_argument);
  CHECK(std::get<std::string>(normalize_address(Channel::sms, "+1 202-555-0143")) == "12025550143");
  CHECK(std::holds_alternative<Error>(normalize_address(Channel::sms, "call me")));
  CHECK(std::get<std::string>(normalize_address(Channel::email, "Ana@Example.COM")) == "Ana@example.com");
  CHECK(std::holds_alternative<Error>(normalize_address(Channel::email, "ana at example")));
  CHECK(std::holds_alternative<Error>(normalize_address(Channel::email, "a b@example.com")));
  CHECK_FALSE(can_start(Channel::webchat));
  CHECK(std::holds_alternative<Error>(normalize_address(Channel::webchat, "visitor-1")));
}

TEST_CASE("R-DISP-3 an uploaded contact list becomes attempts carried out when due, by agents with outbound permission") {
  Hub d;
  d.connect(d.ana);
  d.connect(d.bob);
  auto up = d.upload({{"Maria", "+55 11 5555-0101", {{"plan", "gold"}}}, {"", "5511 5555 0102", {}}}, kStart + 30min);
  REQUIRE(up.ok());
  const auto* uploaded = find_event<ContactsUploaded>(up);
  REQUIRE(uploaded);
  REQUIRE(uploaded->attempts.size() == 2);
  REQUIRE(uploaded->created.size() == 2);
  CHECK(uploaded->created[0].name == "Maria");
  CHECK(uploaded->created[1].name == "551155550102");  // no name: the address
  CHECK(d.sees(d.sam, up.events[0]));   // the campaign's supervisor
  CHECK_FALSE(d.sees(d.ana, up.events[0]));
  CHECK(d.engine.next_deadline() == kStart + 30min);
  CHECK(d.engine.tick(kStart + 29min).events.empty());

  d.clock.set(kStart + 30min);
  auto due = d.engine.tick(d.clock.now());
  const Interaction* first = d.for_attempt(uploaded->attempts[0].id, due);
  REQUIRE(first);
  CHECK(first->direction == Direction::outbound);
  CHECK(first->customer == "551155550101");
  CHECK(first->contact == uploaded->created[0].id);
  // Only ana has SMS outbound permission in Sales: she gets the first; the
  // second waits in the hub lane although bob is connected and idle.
  CHECK(first->owner == d.ana);
  const Interaction* second = d.for_attempt(uploaded->attempts[1].id, due);
  REQUIRE(second);
  CHECK(second->state == InteractionState::pending);
  CHECK(d.as(d.bob, Take{second->id}).error->code == ErrorCode::permission_denied);
  CHECK(d.engine.attempt_count() == 0);
}

TEST_CASE("R-DISP-3 a reschedule disposition schedules the next attempt, carried out at its time") {
  Hub d;
  d.connect(d.ana);
  auto up = d.upload({{"Maria", "5511555501010", {}}});
  const AttemptId first_attempt = find_event<ContactsUploaded>(up)->attempts[0].id;
  auto due = d.engine.tick(d.clock.now());
  const Interaction* call = d.for_attempt(first_attempt, due);
  REQUIRE(call);
  const InteractionId id = call->id;
  REQUIRE(d.owner(id) == d.ana);

  // Reschedule needs a time in the future.
  CHECK(d.as(d.ana, SaveDisposition{id, {7}, "", std::nullopt, false}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SaveDisposition{id, {7}, "", kStart - 1min, false}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SaveDisposition{id, {6}, "", kStart + 1h, false}).error->code == ErrorCode::invalid_argument);

  auto saved = d.as(d.ana, SaveDisposition{id, {7}, "call after lunch", kStart + 3h, false});
  REQUIRE(saved.ok());
  const auto* scheduled = find_event<AttemptScheduled>(saved);
  REQUIRE(scheduled);
  CHECK(scheduled->attempt.origin == AttemptOrigin::reschedule);
  CHECK(scheduled->attempt.from_interaction == id);
  CHECK(scheduled->attempt.due_at == kStart + 3h);
  // Saved again with a later time: the earlier attempt is replaced.
  auto again = d.as(d.ana, SaveDisposition{id, {7}, "call tomorrow", kStart + 24h, false});
  REQUIRE(find_event<AttemptCancelled>(again));
  CHECK(find_event<AttemptCancelled>(again)->reason == AttemptCancelReason::disposition_changed);
  const AttemptId next = find_event<AttemptScheduled>(again)->attempt.id;
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  REQUIRE(d.as(d.ana, CloseInteraction{id}).ok());

  CHECK(count_events<InteractionOpened>(d.engine.tick(kStart + 3h)) == 0);  // the replaced one does not run
  d.clock.set(kStart + 24h);
  auto tomorrow = d.engine.tick(d.clock.now());
  const Interaction* callback = d.for_attempt(next, tomorrow);
  REQUIRE(callback);
  CHECK(callback->customer == "5511555501010");
  CHECK(callback->state == InteractionState::pending);  // ana's session expired meanwhile
  const InteractionId callback_id = callback->id;
  d.connect(d.ana);
  CHECK(d.owner(callback_id) == d.ana);
}

TEST_CASE("R-DISP-3 attempts due while the daemon was down are carried out on the first tick after a restart") {
  EngineState state;
  Campaign c;
  c.id = 1;
  c.name = "Sales";
  c.settings.channels[index(Channel::sms)] = ChannelSettings{true, Provider::sms_gateway};
  state.campaigns.push_back(c);
  state.last_campaign_id = 1;
  state.contacts.push_back(Contact{4, "Maria", {{Channel::sms, "5511555501010"}}, {}});
  state.last_contact_id = 4;
  state.attempts.push_back(Attempt{9, 1, Channel::sms, 4, "5511555501010", "", kStart - 1h, AttemptOrigin::reschedule, 3});
  state.attempts.push_back(Attempt{10, 1, Channel::sms, 4, "5511555501010", "", kStart + 1h, AttemptOrigin::list, 0});
  state.last_attempt_id = 10;
  Engine engine(std::move(state));
  CHECK(engine.next_deadline() == kStart - 1h);
  auto o = engine.tick(kStart);
  REQUIRE(count_events<InteractionOpened>(o) == 1);  // once, and only the overdue one
  CHECK(find_event<InteractionOpened>(o)->attempt == 9);
  CHECK(find_event<InteractionOpened>(o)->contact == 4);
  CHECK(engine.tick(kStart).events.empty());
  CHECK(engine.attempt_count() == 1);
  CHECK(engine.find_contact_by_address(Channel::sms, "5511555501010")->name == "Maria");
}

TEST_CASE("R-DISP-3 an attempt of an archived campaign or a disabled channel is cancelled, not carried out") {
  Hub d;
  auto up = d.upload({{"Maria", "5511555501010", {}}}, kStart + 1h);
  REQUIRE(up.ok());
  auto s = d.engine.find_campaign(d.sales)->settings;
  s.channels[index(Channel::sms)].enabled = false;
  d.configure(d.sales, s);
  auto o = d.engine.tick(kStart + 1h);
  REQUIRE(find_event<AttemptCancelled>(o));
  CHECK(find_event<AttemptCancelled>(o)->reason == AttemptCancelReason::channel_disabled);
  CHECK(count_events<InteractionOpened>(o) == 0);
}

TEST_CASE("Outbound Hub uploads: bad rows refuse the whole list and change nothing") {
  Hub d;
  const auto seq = d.engine.last_seq();
  auto bad_row = d.upload({{"Maria", "5511555501010", {}}, {"Joe", "12", {}}});
  REQUIRE(bad_row.error);
  CHECK(bad_row.error->code == ErrorCode::invalid_argument);
  CHECK(bad_row.error->message.rfind("row 2:", 0) == 0);
  CHECK(d.upload({{"A", "5511555501010", {}}, {"B", "+55 11 5555 01010", {}}}).error->message.find("same address as row 1") !=
        std::string::npos);
  CHECK(d.upload({}).error->code == ErrorCode::invalid_argument);
  CHECK(d.upload(std::vector<ContactRow>(1001, ContactRow{"x", "5511555501010", {}})).error->code == ErrorCode::invalid_argument);
  CHECK(d.upload({{"Maria", "5511555501010", {}}}, std::nullopt, d.ana).error->code == ErrorCode::permission_denied);
  CHECK(d.upload({{"Maria", "5511555501010", {}}}, kStart + 500 * 24h).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.alice, UploadContacts{d.sales, Channel::webchat, "L", {{"M", "visitor", {}}}, {}}).error->code ==
        ErrorCode::invalid_argument);
  CHECK(d.as(d.alice, UploadContacts{d.sales, Channel::email, "L", {{"M", "m@example.com", {}}}, {}}).error->code ==
        ErrorCode::failed_precondition);  // Sales has no email
  CHECK(d.as(d.alice, UploadContacts{999, Channel::sms, "L", {{"M", "5511555501010", {}}}, {}}).error->code ==
        ErrorCode::not_found);
  CHECK(d.as(d.alice, CancelAttempt{77}).error->code == ErrorCode::not_found);
  CHECK(d.engine.last_seq() == seq);
  CHECK(d.engine.attempt_count() == 0);
  CHECK_FALSE(d.engine.find_contact_by_address(Channel::sms, "5511555501010"));
  // The supervisor of the campaign may upload and cancel.
  auto ok = d.upload({{"Maria", "5511555501010", {}}}, kStart + 1h, d.sam);
  REQUIRE(ok.ok());
  REQUIRE(d.as(d.sam, CancelAttempt{find_event<ContactsUploaded>(ok)->attempts[0].id}).ok());
  CHECK(d.engine.attempt_count() == 0);
  CHECK_FALSE(d.engine.next_deadline());
}

TEST_CASE("R-FORM-1 an uploaded address links to the existing CRM contact, and inbound contacts are linked too") {
  Hub d;
  auto saved = d.as(d.ana, SaveContact{0, "Maria Silva", {{Channel::sms, "+55 11 5555 0101"}, {Channel::webchat, "visitor-7"}}, {}, 0});
  const ContactId maria = d.created(saved);
  auto up = d.upload({{"Other name", "551155550101", {}}});
  CHECK(find_event<ContactsUploaded>(up)->created.empty());
  CHECK(find_event<ContactsUploaded>(up)->attempts[0].contact == maria);
  CHECK(d.engine.find_contact(maria)->name == "Maria Silva");  // the CRM record is not overwritten
  const InteractionId chat = d.open(d.sales, "visitor-7");
  CHECK(d.at(chat).contact == maria);
}

TEST_CASE("R-OUT-1 R-OUT-7 a started interaction goes to the agent's Active tab and its first message is sent at once") {
  Hub d;
  d.connect(d.ana);
  REQUIRE(d.as(d.ana, SaveDraft{Channel::sms, Draft{d.sales, {{"number", "+55 11 5555-0101"}}}}).ok());
  auto o = d.as(d.ana, StartInteraction{d.sales, Channel::sms, "+55 11 5555-0101", "Hello from ACME", {}});
  REQUIRE(o.ok());
  const InteractionId id = std::get<CreatedReply>(o.reply).id;
  const Interaction& i = d.at(id);
  CHECK(i.state == InteractionState::active);
  CHECK(i.owner == d.ana);
  CHECK(i.direction == Direction::outbound);
  CHECK(i.customer == "551155550101");
  CHECK(find_event<InteractionAssigned>(o)->how == AssignHow::started);
  REQUIRE(o.effects.size() == 1);
  const auto& deliver = std::get<DeliverMessage>(o.effects[0]);
  CHECK(deliver.channel == Channel::sms);
  CHECK(deliver.customer == "551155550101");
  CHECK(deliver.message.text == "Hello from ACME");
  CHECK(d.engine.snapshot(d.ana).active.size() == 1);
  CHECK_FALSE(d.engine.snapshot(d.ana).drafts.count(Channel::sms));  // the form is cleared
  CHECK(find_event<DraftSaved>(o));

  // R-OUT-1: permission per channel per campaign; bad input changes nothing.
  const auto seq = d.engine.last_seq();
  CHECK(d.as(d.bob, StartInteraction{d.sales, Channel::sms, "5511555501010", "hi", {}}).error->code ==
        ErrorCode::permission_denied);
  CHECK(d.as(d.ana, StartInteraction{d.finance, Channel::sms, "5511555501010", "hi", {}}).error->code ==
        ErrorCode::not_found);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::sms, "12", "hi", {}}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::sms, "5511555501010", "  ", {}}).error->code ==
        ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::email, "a@example.com", "hi", {}}).error->code ==
        ErrorCode::failed_precondition);  // not enabled in Sales
  ChannelSet both;
  both.set(index(Channel::sms));
  both.set(index(Channel::webchat));
  REQUIRE(d.system(SetMembership{d.ana, d.sales, true, 0, both}).ok());
  const auto seq2 = d.engine.last_seq();
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::webchat, "visitor-1", "hi", {}}).error->code ==
        ErrorCode::invalid_argument);  // customers start WebChat
  CHECK(d.engine.last_seq() == seq2);
  CHECK(seq < seq2);
  CHECK(d.engine.interaction_count() == 1);
}
