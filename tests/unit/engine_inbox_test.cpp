#include "inbox_fixture.h"

using namespace contactd::test;

TEST_CASE("R-IN-1 a contact enters its campaign's queue as pending") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  auto o = d.system(OpenInteraction{d.sales, Channel::webchat, "visitor-1", 0});
  REQUIRE(o.ok());
  const auto* opened = find_event<InteractionOpened>(o);
  REQUIRE(opened);
  CHECK(opened->state == InteractionState::pending);
  CHECK(d.sees(d.ana, o.events[0]));   // Sales member: Pending tab
  CHECK_FALSE(d.sees(d.carla, o.events[0]));
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 1);
}

TEST_CASE("R-IN-1 with a bot the contact waits in state bot until handoff") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.bot = BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s};
  d.configure(d.sales, s);
  auto id = d.open(d.sales);
  CHECK(d.at(id).state == InteractionState::bot);
  CHECK(d.engine.pending_count(d.sales, Channel::webchat) == 0);
  d.connect(d.ana);
  CHECK(d.as(d.ana, Take{id}).error->code == ErrorCode::failed_precondition);  // not in the queue yet
  auto handoff = d.system(BotAnswered{id, true});
  REQUIRE(find_event<InteractionQueued>(handoff));
  CHECK(find_event<InteractionQueued>(handoff)->reason == QueueReason::bot_handoff);
  CHECK(d.at(id).state == InteractionState::pending);
}

TEST_CASE("R-IN-1 a bot that does not answer in time hands the customer to the queue") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.bot = BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s};
  d.configure(d.sales, s);
  auto id = d.open(d.sales);
  REQUIRE(d.system(AwaitBot{id}).ok());
  CHECK(d.engine.next_deadline() == d.clock.now() + 2s);
  d.clock.advance(1999ms);
  CHECK(d.engine.tick(d.clock.now()).events.empty());
  d.clock.advance(1ms);
  auto o = d.engine.tick(d.clock.now());
  REQUIRE(find_event<InteractionQueued>(o));
  CHECK(find_event<InteractionQueued>(o)->reason == QueueReason::bot_timeout);
  CHECK(d.at(id).state == InteractionState::pending);
  // An answer in time clears the deadline.
  auto other = d.open(d.sales);
  REQUIRE(d.system(AwaitBot{other}).ok());
  REQUIRE(d.system(BotAnswered{other, false}).ok());
  CHECK_FALSE(d.engine.next_deadline());
}

TEST_CASE("R-IN-2 a member takes a pending interaction, two at once: exactly one wins") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  d.connect(d.bob);
  auto id = d.open(d.sales);
  auto first = d.as(d.ana, Take{id});
  auto second = d.as(d.bob, Take{id});
  REQUIRE(first.ok());
  REQUIRE(second.error);
  CHECK(second.error->code == ErrorCode::failed_precondition);
  CHECK(second.error->message == "already taken by another agent");
  CHECK(second.events.empty());
  CHECK(d.owner(id) == d.ana);
  CHECK(d.at(id).state == InteractionState::active);
  const auto* assigned = find_event<InteractionAssigned>(first);
  REQUIRE(assigned);
  CHECK(assigned->how == AssignHow::take);
  // A non-member may not take; unknown ids are not found.
  auto other = d.open(d.sales);
  CHECK(d.as(d.carla, Take{other}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, Take{9999}).error->code == ErrorCode::not_found);
}

TEST_CASE("R-FIN-1 text interactions finish on the owner's Finish command") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  CHECK(d.as(d.bob, Finish{id}).error->code == ErrorCode::permission_denied);
  d.clock.advance(90s);
  auto o = d.as(d.ana, Finish{id});
  REQUIRE(find_event<InteractionFinished>(o));
  CHECK(d.at(id).state == InteractionState::finished);
  CHECK(d.engine.find_user(d.ana)->talk_ms == 90'000);
  CHECK(d.engine.find_user(d.ana)->active_total() == 0);
  CHECK(d.as(d.ana, Finish{id}).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-FIN-2 close needs a saved disposition when the campaign has dispositions") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.dispositions = three_levels();
  d.configure(d.sales, s);
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  auto refused = d.as(d.ana, CloseInteraction{id});
  REQUIRE(refused.error);
  CHECK(refused.error->code == ErrorCode::failed_precondition);
  CHECK(d.at(id).state == InteractionState::finished);
  REQUIRE(d.as(d.ana, SaveDisposition{id, {6}, "", std::nullopt, false}).ok());
  REQUIRE(d.as(d.ana, CloseInteraction{id}).ok());
  CHECK_FALSE(d.engine.find_interaction(id));

  // Without dispositions: close directly.
  d.configure(d.finance, webchat(Strategy::manual));
  d.connect(d.carla);
  auto plain = d.open(d.finance);
  REQUIRE(d.as(d.carla, Take{plain}).ok());
  REQUIRE(d.as(d.carla, Finish{plain}).ok());
  CHECK(d.as(d.carla, CloseInteraction{plain}).ok());
}

TEST_CASE("R-DISP-1 a disposition is a full path through the tree, comment policy applies") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.dispositions = three_levels();
  s.comment_policy = CommentPolicy::required;
  d.configure(d.sales, s);
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto save = [&](std::vector<std::uint32_t> path, std::string comment) {
    return d.as(d.ana, SaveDisposition{id, std::move(path), std::move(comment), std::nullopt, false});
  };
  CHECK(save({1}, "c").error->code == ErrorCode::invalid_argument);        // stops before a leaf
  CHECK(save({1, 2}, "c").error->code == ErrorCode::invalid_argument);     // still not a leaf
  CHECK(save({1, 6}, "c").error->code == ErrorCode::invalid_argument);     // 6 is not a child of 1
  CHECK(save({3}, "c").error->code == ErrorCode::invalid_argument);        // not top level
  CHECK(save({1, 2, 3}, "  ").error->code == ErrorCode::invalid_argument);  // comment required
  CHECK_FALSE(d.at(id).disposition);
  auto ok = save({1, 2, 3}, "paid by card");
  REQUIRE(ok.ok());
  CHECK(find_event<DispositionSaved>(ok)->path == std::vector<std::uint32_t>{1, 2, 3});
}

TEST_CASE("R-DISP-2 a disposition saved before finish is kept, save-and-close closes") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.dispositions = three_levels();
  d.configure(d.sales, s);
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  REQUIRE(d.as(d.ana, SaveDisposition{id, {1, 5}, "", std::nullopt, false}).ok());
  // Save-and-close before finishing is refused and changes nothing.
  CHECK(d.as(d.ana, SaveDisposition{id, {6}, "", std::nullopt, true}).error->code == ErrorCode::failed_precondition);
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  CHECK(d.at(id).disposition->path == std::vector<std::uint32_t>{1, 5});
  CHECK(d.at(id).state == InteractionState::finished);  // Save keeps it in Finished
  auto closed = d.as(d.ana, SaveDisposition{id, {1, 2, 4}, "cash", std::nullopt, true});
  REQUIRE(find_event<InteractionClosed>(closed));
  CHECK_FALSE(d.engine.find_interaction(id));
}

TEST_CASE("R-DISP-3 reschedule dispositions are refused for interactions not from the Outbound Hub") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.dispositions = three_levels();
  d.configure(d.sales, s);
  d.connect(d.ana);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto o = d.as(d.ana, SaveDisposition{id, {7}, "", d.clock.now() + 24h, false});
  REQUIRE(o.error);
  CHECK(o.error->code == ErrorCode::failed_precondition);
}

TEST_CASE("inbox: bad input changes nothing") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  const auto seq = d.engine.last_seq();
  CHECK(d.system(OpenInteraction{999, Channel::webchat, "v", 0}).error->code == ErrorCode::not_found);
  CHECK(d.system(OpenInteraction{d.sales, Channel::sms, "v", 0}).error->code == ErrorCode::failed_precondition);
  CHECK(d.system(OpenInteraction{d.sales, Channel::webchat, "", 0}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(OpenInteraction{d.sales, Channel::webchat, "v", 5000}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, OpenInteraction{d.sales, Channel::webchat, "v", 0}).error->code == ErrorCode::permission_denied);
  CHECK(d.engine.last_seq() == seq);
  CHECK(d.engine.interaction_count() == 0);
}

TEST_CASE("tabs: the snapshot shows Pending of my campaigns, my Active and Finished, and transfers offered to me") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.configure(d.finance, webchat(Strategy::manual));
  d.connect(d.ana);
  d.connect(d.bob);
  auto waiting = d.open(d.sales, "w", 0);
  auto urgent = d.open(d.sales, "u", 9);
  auto elsewhere = d.open(d.finance, "f");
  auto mine = d.open(d.sales, "m");
  auto done = d.open(d.sales, "d");
  REQUIRE(d.as(d.ana, Take{mine}).ok());
  REQUIRE(d.as(d.ana, Take{done}).ok());
  REQUIRE(d.as(d.ana, Finish{done}).ok());
  REQUIRE(d.as(d.ana, TransferInteraction{mine, d.bob, 0}).ok());

  auto ana = d.engine.snapshot(d.ana);
  REQUIRE(ana.pending.size() == 2);
  CHECK(ana.pending[0].id == urgent);  // queue order
  CHECK(ana.pending[1].id == waiting);
  CHECK(ana.pending_total == 2);
  REQUIRE(ana.active.size() == 1);
  CHECK(ana.active[0].id == mine);
  CHECK(ana.active[0].transfer);
  REQUIRE(ana.finished.size() == 1);
  CHECK(ana.finished[0].id == done);

  auto bob = d.engine.snapshot(d.bob);  // Sales and Finance
  CHECK(bob.pending_total == 3);
  REQUIRE(bob.offered.size() == 1);
  CHECK(bob.offered[0].id == mine);
  CHECK(bob.active.empty());
  (void)elsewhere;
}

TEST_CASE("R-IN-1 the bot is asked at the start and on every customer message while it holds the customer") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.bot = BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s};
  d.configure(d.sales, s);
  auto o = d.system(OpenInteraction{d.sales, Channel::webchat, "visitor", 0});
  REQUIRE(o.effects.size() == 1);
  const auto& start = std::get<AskBot>(o.effects[0]);
  CHECK(start.url == "http://127.0.0.1:9/bot");
  CHECK(start.text.empty());
  CHECK(start.timeout == 2s);
  CHECK(d.engine.next_deadline() == d.clock.now() + 2s);  // the bot must answer in time
  const auto id = std::get<CreatedReply>(o.reply).id;
  d.clock.advance(1s);
  auto asked = d.system(CustomerMessage{id, "opening hours?", {}});
  REQUIRE(asked.effects.size() == 1);
  CHECK(std::get<AskBot>(asked.effects[0]).text == "opening hours?");
  CHECK(d.engine.next_deadline() == d.clock.now() + 2s);  // re-armed
  REQUIRE(d.system(BotAnswered{id, true}).ok());
  CHECK(d.system(CustomerMessage{id, "hello?", {}}).effects.empty());  // queued now: no bot
}
