// Core-only inbox benchmark (issue 3): 50 campaigns with WebChat and the
// longest-idle strategy; 1k / 10k / 100k agents, each in one campaign with
// capacity 1, all connected; a backlog of 100k pending interactions. One
// cycle = an agent finishes (the engine assigns them the next pending one)
// + the finished interaction is closed + a new customer arrives. Prints
// cycles/s, ns per cycle and bytes of core memory per pending interaction.
//
//   build/bench/engine_inbox_bench [cycles]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/engine.h"

using namespace contactd::core;
using Stopwatch = std::chrono::steady_clock;

namespace {

constexpr std::size_t kCampaigns = 50;
constexpr std::size_t kBacklog = 100'000;

std::uint64_t created(const Outcome& o) {
  if (!o.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", o.error->message.c_str());
    std::exit(1);
  }
  return std::get<CreatedReply>(o.reply).id;
}

std::size_t heap_bytes() { return mallinfo2().uordblks; }

struct Row {
  double cycles_per_s;
  double ns_per_cycle;
  double bytes_per_pending;
};

Row run(std::size_t agents, std::size_t cycles) {
  TimePoint now = from_unix_ms(1'790'000'000'000);
  Engine e;
  auto sys = [&](CommandBody b) { return e.handle(Command{Actor::System(), std::move(b)}, now); };
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.strategy = Strategy::longest_idle;
  s.default_capacity[index(Channel::webchat)] = 1;
  std::vector<CampaignId> campaigns;
  for (std::size_t c = 0; c < kCampaigns; ++c)
    campaigns.push_back(created(sys(CreateCampaign{"campaign-" + std::to_string(c), s})));
  std::vector<UserId> ids;
  for (std::size_t a = 0; a < agents; ++a) {
    UserId u = created(sys(CreateUser{"agent" + std::to_string(a), "Agent", Profile::agent, "h"}));
    sys(SetMembership{u, campaigns[a % kCampaigns], true, 0, {}});
    ids.push_back(u);
  }
  // Every agent gets one interaction, then the backlog queues behind them.
  for (std::size_t a = 0; a < agents; ++a) sys(OpenSession{ids[a], "t" + std::to_string(a), now + std::chrono::hours(24), a + 1});
  std::vector<InteractionId> owned(agents);
  for (std::size_t a = 0; a < agents; ++a)
    owned[a] = created(sys(OpenInteraction{campaigns[a % kCampaigns], Channel::webchat, "c", 0}));
  const std::size_t before = heap_bytes();
  for (std::size_t n = 0; n < kBacklog; ++n)
    sys(OpenInteraction{campaigns[n % kCampaigns], Channel::webchat, "visitor-" + std::to_string(n), 0});
  const double per_pending = static_cast<double>(heap_bytes() - before) / kBacklog;
  // Map agent -> its current interaction as the engine assigns.
  for (std::size_t a = 0; a < agents; ++a) owned[a] = 0;
  for (InteractionId id = 1; id <= agents + kBacklog; ++id)
    if (const Interaction* i = e.find_interaction(id); i && i->state == InteractionState::active) owned[i->owner - 1] = id;

  std::size_t events = 0;
  const auto start = Stopwatch::now();
  for (std::size_t n = 0; n < cycles; ++n) {
    now += std::chrono::milliseconds(1);
    const std::size_t a = (n * 7919) % agents;
    const UserId agent = ids[a];
    const InteractionId done = owned[a];
    Outcome finished = e.handle(Command{Actor::User(agent), Finish{done}}, now);
    for (const auto& ev : finished.events)
      if (const auto* as = std::get_if<InteractionAssigned>(&ev.body)) owned[as->agent - 1] = as->interaction;
    Outcome closed = e.handle(Command{Actor::User(agent), CloseInteraction{done}}, now);
    Outcome arrived = e.handle(
        Command{Actor::System(), OpenInteraction{campaigns[n % kCampaigns], Channel::webchat, "visitor", 0}}, now);
    if (!finished.ok() || !closed.ok() || !arrived.ok()) {
      std::fprintf(stderr, "cycle %zu failed\n", n);
      std::exit(1);
    }
    events += finished.events.size() + closed.events.size() + arrived.events.size();
  }
  const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
  if (events < cycles * 4) {
    std::fprintf(stderr, "expected at least 4 events per cycle, got %zu\n", events);
    std::exit(1);
  }
  return Row{cycles / secs, secs * 1e9 / cycles, per_pending};
}

}  // namespace

// Assignment with large pools: every agent eligible (capacity 1000), no
// backlog. One cycle = a customer arrives and is assigned at once by the
// strategy + the agent finishes it + closes it.
Row run_assignment(std::size_t agents, std::size_t cycles, Strategy strategy) {
  TimePoint now = from_unix_ms(1'790'000'000'000);
  Engine e;
  auto sys = [&](CommandBody b) { return e.handle(Command{Actor::System(), std::move(b)}, now); };
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.strategy = strategy;
  s.default_capacity[index(Channel::webchat)] = 100;
  std::vector<CampaignId> campaigns;
  for (std::size_t c = 0; c < kCampaigns; ++c)
    campaigns.push_back(created(sys(CreateCampaign{"campaign-" + std::to_string(c), s})));
  for (std::size_t a = 0; a < agents; ++a) {
    UserId u = created(sys(CreateUser{"agent" + std::to_string(a), "Agent", Profile::agent, "h"}));
    sys(SetMembership{u, campaigns[a % kCampaigns], true, static_cast<std::int32_t>(a), {}});
    sys(OpenSession{u, "t" + std::to_string(a), now + std::chrono::hours(24), a + 1});
  }
  const auto start = Stopwatch::now();
  for (std::size_t n = 0; n < cycles; ++n) {
    now += std::chrono::milliseconds(1);
    Outcome arrived = e.handle(
        Command{Actor::System(), OpenInteraction{campaigns[n % kCampaigns], Channel::webchat, "visitor", 0}}, now);
    const InteractionId id = std::get<CreatedReply>(arrived.reply).id;
    const UserId agent = e.find_interaction(id)->owner;
    Outcome finished = e.handle(Command{Actor::User(agent), Finish{id}}, now);
    Outcome closed = e.handle(Command{Actor::User(agent), CloseInteraction{id}}, now);
    if (agent == kNoUser || !finished.ok() || !closed.ok()) {
      std::fprintf(stderr, "assignment cycle %zu failed\n", n);
      std::exit(1);
    }
  }
  const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
  return Row{cycles / secs, secs * 1e9 / cycles, 0};
}

int main(int argc, char** argv) {
  const std::size_t cycles = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300'000;
  std::printf("%-8s %-10s %-9s %14s %12s %18s\n", "agents", "campaigns", "backlog", "cycles/s", "ns/cycle",
              "bytes/pending");
  for (std::size_t agents : {1'000, 10'000, 100'000}) {
    Row r = run(agents, cycles);
    std::printf("%-8zu %-10zu %-9zu %14.0f %12.0f %18.0f\n", agents, kCampaigns, kBacklog, r.cycles_per_s,
                r.ns_per_cycle, r.bytes_per_pending);
  }
  std::printf("\nassignment with every agent eligible (pools of agents/50):\n");
  std::printf("%-16s %-8s %14s %12s\n", "strategy", "agents", "cycles/s", "ns/cycle");
  for (Strategy strategy : {Strategy::longest_idle, Strategy::round_robin, Strategy::fewest_active,
                            Strategy::least_talk_time, Strategy::agent_order, Strategy::random}) {
    for (std::size_t agents : {1'000, 10'000, 100'000}) {
      Row r = run_assignment(agents, cycles, strategy);
      std::printf("%-16s %-8zu %14.0f %12.0f\n", std::string(to_string(strategy)).c_str(), agents, r.cycles_per_s,
                  r.ns_per_cycle);
    }
  }
}
