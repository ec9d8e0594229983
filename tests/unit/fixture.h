#pragma once
// A small directory built through the engine's own commands, and helpers to
// drive it with a manual clock.
#include <catch2/catch.hpp>

#include "core/engine.h"

namespace contactd::test {

using namespace contactd::core;
using namespace std::chrono_literals;

inline const TimePoint kStart = from_unix_ms(1'790'000'000'000);  // 2026-09-21

template <class T>
const T* find_event(const Outcome& o) {
  for (const auto& e : o.events)
    if (auto* b = std::get_if<T>(&e.body)) return b;
  return nullptr;
}

// The first effect of type T in `o`, or null.
template <class T>
const T* find_effect(const Outcome& o) {
  for (const auto& e : o.effects)
    if (auto* b = std::get_if<T>(&e)) return b;
  return nullptr;
}

template <class T>
std::size_t count_events(const Outcome& o) {
  std::size_t n = 0;
  for (const auto& e : o.events) n += std::holds_alternative<T>(e.body);
  return n;
}

struct Directory {
  ManualClock clock{kStart};
  Engine engine;
  CampaignId sales{}, finance{};
  UserId ana{}, bob{}, carla{}, sam{}, alice{};  // agents ana (Sales), bob (Sales+Finance), carla (Finance); sam supervises Sales; alice administers
  StatusId lunch{}, training{};

  AudienceIndex audiences;  // follows every event, as the fan-out does

  Outcome run(Actor actor, CommandBody body) {
    Outcome o = engine.handle(Command{actor, std::move(body)}, clock.now());
    for (const auto& e : o.events) audiences.apply(e);
    return o;
  }
  bool sees(UserId user, const Event& e) const { return audiences.includes(e.audience, user); }
  Outcome system(CommandBody body) { return run(Actor::System(), std::move(body)); }
  Outcome as(UserId u, CommandBody body) { return run(Actor::User(u), std::move(body)); }

  std::uint64_t created(Outcome o) {
    REQUIRE(o.ok());
    return std::get<CreatedReply>(o.reply).id;
  }
  UserId make_user(std::string login, Profile p) {
    return created(system(CreateUser{login, login + " name", p, "hash-" + login}));
  }
  void join(UserId u, CampaignId c) { REQUIRE(system(SetMembership{u, c, true}).ok()); }

  Directory() {
    sales = created(system(CreateCampaign{"Sales"}));
    finance = created(system(CreateCampaign{"Finance"}));
    ana = make_user("ana", Profile::agent);
    bob = make_user("bob", Profile::agent);
    carla = make_user("carla", Profile::agent);
    sam = make_user("sam", Profile::supervisor);
    alice = make_user("alice", Profile::administrator);
    join(ana, sales);
    join(bob, sales);
    join(bob, finance);
    join(carla, finance);
    join(sam, sales);
    lunch = created(system(DefineStatus{"Lunch"}));
    training = created(system(DefineStatus{"Training"}));
  }

  // Logs `u` in on `connection` with a token that expires in an hour.
  Outcome login(UserId u, ConnectionId connection, std::string token) {
    return system(OpenSession{u, std::move(token), clock.now() + 1h, connection});
  }
};


}  // namespace contactd::test
