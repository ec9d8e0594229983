// Core-only benchmark: status/break changes and presence through the engine
// (validation, state change, audience computation, event building) at
// growing directory sizes. No I/O. Prints one row per size.
//
//   build/bench/engine_status_bench [rounds]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/engine.h"

using namespace contactd::core;
using Stopwatch = std::chrono::steady_clock;

namespace {

struct Directory {
  Engine engine;
  std::vector<UserId> agents;
  std::vector<UserId> supervisors;
  StatusId lunch{};
};

std::uint64_t created(const Outcome& o) {
  if (!o.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", o.error->message.c_str());
    std::exit(1);
  }
  return std::get<CreatedReply>(o.reply).id;
}

Directory build(std::size_t agents, std::size_t campaigns, TimePoint now) {
  Directory d;
  auto sys = [&](CommandBody b) { return d.engine.handle(Command{Actor::System(), std::move(b)}, now); };
  std::vector<CampaignId> cs;
  for (std::size_t c = 0; c < campaigns; ++c) cs.push_back(created(sys(CreateCampaign{"campaign-" + std::to_string(c)})));
  d.lunch = created(sys(DefineStatus{"Lunch"}));
  for (int a = 0; a < 2; ++a) created(sys(CreateUser{"admin" + std::to_string(a), "Admin", Profile::administrator, "h"}));
  for (std::size_t c = 0; c < campaigns; ++c) {
    UserId s = created(sys(CreateUser{"sup" + std::to_string(c), "Sup", Profile::supervisor, "h"}));
    sys(SetMembership{s, cs[c], true});
    d.supervisors.push_back(s);
  }
  for (std::size_t i = 0; i < agents; ++i) {
    UserId a = created(sys(CreateUser{"agent" + std::to_string(i), "Agent", Profile::agent, "h"}));
    sys(SetMembership{a, cs[i % campaigns], true});
    sys(SetMembership{a, cs[(i + 1) % campaigns], true});
    sys(OpenSession{a, "token-" + std::to_string(i), now + std::chrono::hours(1), i + 1});
    d.agents.push_back(a);
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t rounds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const TimePoint now = from_unix_ms(1'790'000'000'000);
  std::printf("%-8s %-10s %16s %14s %16s\n", "agents", "campaigns", "status ops/s", "ns/op", "sup snapshot us");
  for (std::size_t agents : {1000, 10000, 100000}) {
    Directory d = build(agents, 50, now);
    std::size_t events = 0;
    const auto start = Stopwatch::now();
    for (std::size_t i = 0; i < rounds; ++i) {
      const UserId who = d.agents[((i / 2) * 7919) % d.agents.size()];  // set, then clear, per agent
      CommandBody body = (i & 1) ? CommandBody{ClearStatus{}} : CommandBody{SetStatus{kNoUser, d.lunch}};
      events += d.engine.handle(Command{Actor::User(who), body}, now).events.size();
    }
    const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
    const auto snap_start = Stopwatch::now();
    const auto snap = d.engine.snapshot(d.supervisors[0]);
    const double snap_us = std::chrono::duration<double, std::micro>(Stopwatch::now() - snap_start).count();
    std::printf("%-8zu %-10d %16.0f %14.0f %16.0f   (%zu events, %zu overseen)\n", agents, 50, rounds / secs,
                secs * 1e9 / rounds, snap_us, events, snap.overseen.size());
  }
}
