#include "support/journal_rate.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/engine.h"
#include "store/journal.h"

namespace contactd::bench {

namespace {

core::Outcome must(core::Outcome o) {
  if (!o.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", o.error->message.c_str());
    std::exit(1);
  }
  return o;
}

}  // namespace

JournalRate measure_journal(const std::string& url, std::size_t messages) {
  constexpr std::size_t kConversations = 1000;
  core::ManualClock clock(core::from_unix_ms(1'790'000'000'000));
  core::Engine engine;
  std::vector<core::Event> setup;
  auto run = [&](core::CommandBody body, core::Actor actor = core::Actor::System()) {
    auto o = must(engine.handle(core::Command{actor, std::move(body)}, clock.now()));
    setup.insert(setup.end(), o.events.begin(), o.events.end());
    return o;
  };
  core::CampaignSettings settings;
  settings.channels[core::index(core::Channel::webchat)].enabled = true;
  const auto campaign = std::get<core::CreatedReply>(run(core::CreateCampaign{"Bench", settings}).reply).id;
  const auto agent =
      std::get<core::CreatedReply>(run(core::CreateUser{"agent", "Agent", core::Profile::agent, "x"}).reply).id;
  run(core::SetMembership{agent, campaign, true});
  std::vector<core::InteractionId> conversations;
  for (std::size_t k = 0; k < kConversations; ++k) {
    auto o = run(core::OpenInteraction{campaign, core::Channel::webchat, "visitor-" + std::to_string(k), 0});
    conversations.push_back(std::get<core::CreatedReply>(o.reply).id);
    run(core::Take{conversations.back()}, core::Actor::User(agent));
  }
  std::vector<std::vector<core::Event>> batches;
  batches.reserve(messages);
  for (std::size_t n = 0; n < messages; ++n) {
    clock.advance(std::chrono::milliseconds(1));
    auto o = must(engine.handle(
        core::Command{core::Actor::System(),
                      core::CustomerMessage{conversations[n % kConversations], "message number " + std::to_string(n), {}}},
        clock.now()));
    batches.push_back(std::move(o.events));
  }
  store::PgJournal journal(url);
  journal.start();
  journal.append_and_wait(setup);
  std::atomic<std::size_t> durable{0};
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& b : batches) journal.append(std::move(b), [&durable](bool) { durable.fetch_add(1); });
  journal.append_and_wait({});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  journal.stop(std::chrono::milliseconds(1000));
  return JournalRate{seconds, static_cast<double>(messages) / seconds};
}

}  // namespace contactd::bench
