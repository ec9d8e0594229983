#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/deadlines.h"

using namespace contactd::core;
using namespace std::chrono_literals;

namespace Catch {
template <>
struct StringMaker<Deadline> {
  static std::string convert(const Deadline& d) {
    return "{" + std::to_string(to_unix_ms(d.at)) + " ms, kind " + std::to_string(static_cast<int>(d.kind)) + ", id " +
           std::to_string(d.id) + "}";
  }
};
}  // namespace Catch

namespace {

const TimePoint t0 = from_unix_ms(1'000'000);

std::vector<Deadline> pop_all_due(DeadlineQueue& q, TimePoint now) {
  std::vector<Deadline> fired;
  while (auto d = q.pop_due(now)) fired.push_back(*d);
  return fired;
}

std::vector<Deadline> listed(const DeadlineQueue& q, DeadlineKind kind) {
  std::vector<Deadline> out;
  for (const Deadline& d : q.of(kind)) out.push_back(d);
  return out;
}

// What the engine kept before the queue: one set of (time, id) per kind, and
// a ladder that fires the earliest time, ties in kind order, then id.
struct PerKindSets {
  std::array<std::set<std::pair<TimePoint, std::uint64_t>>, kDeadlineKindCount> sets;

  void arm(DeadlineKind k, std::uint64_t id, TimePoint at) {
    disarm(k, id);
    sets[static_cast<std::size_t>(k)].emplace(at, id);
  }
  void disarm(DeadlineKind k, std::uint64_t id) {
    std::erase_if(sets[static_cast<std::size_t>(k)], [&](const auto& e) { return e.second == id; });
  }
  std::optional<Deadline> pop_due(TimePoint now) {
    std::optional<TimePoint> best;
    for (const auto& s : sets)
      if (!s.empty() && (!best || s.begin()->first < *best)) best = s.begin()->first;
    if (!best || *best > now) return std::nullopt;
    for (std::size_t k = 0; k < kDeadlineKindCount; ++k) {
      auto& s = sets[k];
      if (s.empty() || s.begin()->first != *best) continue;
      const Deadline d{*best, static_cast<DeadlineKind>(k), s.begin()->second};
      s.erase(s.begin());
      return d;
    }
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("deadlines: ties fire in kind order then id") {
  DeadlineQueue q;
  q.arm(DeadlineKind::attempt, 1, t0);
  q.arm(DeadlineKind::ring, 9, t0);
  q.arm(DeadlineKind::session, 5, t0);
  q.arm(DeadlineKind::ring, 2, t0);
  q.arm(DeadlineKind::transfer, 7, t0);
  q.arm(DeadlineKind::session, 3, t0);
  q.arm(DeadlineKind::abandonment, 4, t0);
  q.arm(DeadlineKind::grace, 8, t0);
  q.arm(DeadlineKind::phone, 6, t0);
  q.arm(DeadlineKind::bot, 1, t0);
  q.arm(DeadlineKind::wrap_up, 1, t0);
  const std::vector<Deadline> expected{
      {t0, DeadlineKind::session, 3},     {t0, DeadlineKind::session, 5}, {t0, DeadlineKind::transfer, 7},
      {t0, DeadlineKind::bot, 1},         {t0, DeadlineKind::grace, 8},   {t0, DeadlineKind::wrap_up, 1},
      {t0, DeadlineKind::ring, 2},        {t0, DeadlineKind::ring, 9},    {t0, DeadlineKind::phone, 6},
      {t0, DeadlineKind::abandonment, 4}, {t0, DeadlineKind::attempt, 1}};
  CHECK(pop_all_due(q, t0) == expected);
  CHECK(q.empty());
}

TEST_CASE("deadlines: an earlier time fires first whatever its kind") {
  DeadlineQueue q;
  q.arm(DeadlineKind::session, 1, t0 + 2s);
  q.arm(DeadlineKind::attempt, 9, t0 + 1s);
  REQUIRE(q.next() == Deadline{t0 + 1s, DeadlineKind::attempt, 9});
  CHECK(pop_all_due(q, t0 + 5s) ==
        std::vector<Deadline>{{t0 + 1s, DeadlineKind::attempt, 9}, {t0 + 2s, DeadlineKind::session, 1}});
}

TEST_CASE("deadlines: pop_due takes only what is due at or before now") {
  DeadlineQueue q;
  q.arm(DeadlineKind::ring, 1, t0 + 1s);
  q.arm(DeadlineKind::ring, 2, t0 + 2s);
  CHECK_FALSE(q.pop_due(t0 + 999ms).has_value());
  CHECK(q.size() == 2);
  CHECK(q.pop_due(t0 + 1s) == Deadline{t0 + 1s, DeadlineKind::ring, 1});
  CHECK_FALSE(q.pop_due(t0 + 1s).has_value());
  CHECK(q.when(DeadlineKind::ring, 1) == std::nullopt);  // popped: no longer armed
  CHECK(q.when(DeadlineKind::ring, 2) == t0 + 2s);
}

TEST_CASE("deadlines: re-arming replaces the earlier deadline of the same kind and id") {
  DeadlineQueue q;
  q.arm(DeadlineKind::bot, 7, t0 + 1s);
  q.arm(DeadlineKind::bot, 7, t0 + 5s);  // later
  CHECK(q.size() == 1);
  CHECK(q.when(DeadlineKind::bot, 7) == t0 + 5s);
  CHECK_FALSE(q.pop_due(t0 + 1s).has_value());  // the replaced one does not fire
  q.arm(DeadlineKind::bot, 7, t0 + 2s);         // earlier again
  CHECK(q.next() == Deadline{t0 + 2s, DeadlineKind::bot, 7});
  CHECK(listed(q, DeadlineKind::bot) == std::vector<Deadline>{{t0 + 2s, DeadlineKind::bot, 7}});
  CHECK(pop_all_due(q, t0 + 10s) == std::vector<Deadline>{{t0 + 2s, DeadlineKind::bot, 7}});
}

TEST_CASE("deadlines: the same id under two kinds is two deadlines") {
  DeadlineQueue q;
  q.arm(DeadlineKind::transfer, 3, t0 + 1s);
  q.arm(DeadlineKind::ring, 3, t0 + 2s);
  CHECK(q.size() == 2);
  CHECK(q.disarm(DeadlineKind::transfer, 3));
  CHECK(q.when(DeadlineKind::ring, 3) == t0 + 2s);
  CHECK(q.next() == Deadline{t0 + 2s, DeadlineKind::ring, 3});
}

TEST_CASE("deadlines: disarming an absent deadline is a no-op") {
  DeadlineQueue q;
  CHECK_FALSE(q.disarm(DeadlineKind::phone, 1));
  q.arm(DeadlineKind::phone, 1, t0);
  CHECK_FALSE(q.disarm(DeadlineKind::phone, 2));    // another id
  CHECK_FALSE(q.disarm(DeadlineKind::wrap_up, 1));  // another kind
  CHECK(q.size() == 1);
  CHECK(q.next() == Deadline{t0, DeadlineKind::phone, 1});
  CHECK(q.disarm(DeadlineKind::phone, 1));
  CHECK_FALSE(q.disarm(DeadlineKind::phone, 1));  // twice
  CHECK(q.empty());
  CHECK_FALSE(q.next().has_value());
  CHECK_FALSE(q.pop_due(t0 + 1s).has_value());
}

TEST_CASE("deadlines: of(kind) lists one kind by time, then id") {
  DeadlineQueue q;
  q.arm(DeadlineKind::attempt, 5, t0 + 2s);
  q.arm(DeadlineKind::attempt, 9, t0 + 1s);
  q.arm(DeadlineKind::attempt, 4, t0 + 2s);
  q.arm(DeadlineKind::ring, 1, t0);  // other kinds, before and after, are not listed
  q.arm(DeadlineKind::session, 1, t0 + 3s);
  CHECK(listed(q, DeadlineKind::attempt) == std::vector<Deadline>{{t0 + 1s, DeadlineKind::attempt, 9},
                                                                  {t0 + 2s, DeadlineKind::attempt, 4},
                                                                  {t0 + 2s, DeadlineKind::attempt, 5}});
  CHECK(listed(q, DeadlineKind::grace).empty());
  q.disarm(DeadlineKind::attempt, 4);
  CHECK(listed(q, DeadlineKind::attempt) ==
        std::vector<Deadline>{{t0 + 1s, DeadlineKind::attempt, 9}, {t0 + 2s, DeadlineKind::attempt, 5}});
}

TEST_CASE("deadlines: the queue fires as the engine's former per-kind sets did") {
  // Random arms, disarms and pops over few ids and times (many ties), against
  // the former structure; a fixed seed keeps the run the same every time.
  std::mt19937_64 rng(12);
  DeadlineQueue q;
  PerKindSets model;
  for (int step = 0; step < 20'000; ++step) {
    const auto kind = static_cast<DeadlineKind>(rng() % kDeadlineKindCount);
    const std::uint64_t id = rng() % 6;
    const TimePoint at = t0 + Millis{static_cast<std::int64_t>(rng() % 8)};
    switch (rng() % 4) {
      case 0:
      case 1:
        q.arm(kind, id, at);
        model.arm(kind, id, at);
        break;
      case 2:
        q.disarm(kind, id);
        model.disarm(kind, id);
        break;
      case 3: {
        const auto fired = q.pop_due(at);
        REQUIRE(fired == model.pop_due(at));
        break;
      }
    }
  }
  while (auto d = model.pop_due(TimePoint::max())) REQUIRE(q.pop_due(TimePoint::max()) == d);
  CHECK(q.empty());
}
