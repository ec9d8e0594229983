#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

// A zone at UTC-5 that moves to UTC-4 at a switch instant (like a DST start).
struct SwitchingZone final : ZoneRules {
  TimePoint switch_at;
  explicit SwitchingZone(TimePoint at) : switch_at(at) {}
  std::optional<Millis> utc_offset(std::string_view z, TimePoint utc) const override {
    if (z == "UTC") return Millis{0};
    if (z != "Test/Switching") return std::nullopt;
    return utc < switch_at ? -Millis{5 * 3600'000} : -Millis{4 * 3600'000};
  }
};

TimePoint utc(int y, int m, int d, int hh, int mm) {
  // Days from civil (Howard Hinnant), for test dates only.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long long days = era * 146097LL + static_cast<long long>(doe) - 719468;
  return from_unix_ms((days * 86400LL + hh * 3600LL + mm * 60LL) * 1000LL);
}

}  // namespace

TEST_CASE("R-TR-3 operating hours: weekly ranges in the campaign's local time") {
  UtcOnly rules;
  OperatingHours h{"UTC", {WeeklyRange{1, 9 * 60, 18 * 60}}, {}};  // Mondays 09:00-18:00
  CHECK(is_open(h, utc(2026, 11, 23, 9, 0), rules));     // Monday 09:00
  CHECK(is_open(h, utc(2026, 11, 23, 17, 59), rules));
  CHECK_FALSE(is_open(h, utc(2026, 11, 23, 18, 0), rules));  // end is exclusive
  CHECK_FALSE(is_open(h, utc(2026, 11, 24, 10, 0), rules));  // Tuesday
  CHECK(is_open(OperatingHours{"UTC", {}, {}}, utc(2026, 11, 24, 3, 0), rules));  // no ranges: always
  CHECK_FALSE(is_open(OperatingHours{"Mars/Base", {}, {}}, utc(2026, 11, 24, 3, 0), rules));
}

TEST_CASE("R-TR-3 operating hours: holidays close the whole local day") {
  UtcOnly rules;
  OperatingHours h{"UTC", {}, {LocalDate{2026, 12, 25}}};
  CHECK_FALSE(is_open(h, utc(2026, 12, 25, 0, 0), rules));
  CHECK_FALSE(is_open(h, utc(2026, 12, 25, 23, 59), rules));
  CHECK(is_open(h, utc(2026, 12, 26, 0, 0), rules));
}

TEST_CASE("R-TR-3 operating hours across time zones and a DST change") {
  const TimePoint switch_at = utc(2026, 3, 8, 7, 0);  // 02:00 local at UTC-5
  SwitchingZone rules(switch_at);
  OperatingHours h{"Test/Switching", {WeeklyRange{0, 9 * 60, 10 * 60}}, {}};  // Sundays 09:00-10:00 local
  // Before the switch (UTC-5): 09:30 local is 14:30 UTC.
  CHECK(is_open(h, utc(2026, 3, 1, 14, 30), rules));
  CHECK_FALSE(is_open(h, utc(2026, 3, 1, 13, 30), rules));
  // After it (UTC-4): 09:30 local is 13:30 UTC; 14:30 UTC is 10:30 local, closed.
  CHECK(is_open(h, utc(2026, 3, 8, 13, 30), rules));
  CHECK_FALSE(is_open(h, utc(2026, 3, 8, 14, 30), rules));
  // The local date decides the weekday: Saturday 23:30 local is Sunday in UTC.
  OperatingHours saturday{"Test/Switching", {WeeklyRange{6, 23 * 60, 24 * 60}}, {}};
  CHECK(is_open(saturday, utc(2026, 3, 1, 4, 30), rules));  // Sun 04:30 UTC = Sat 23:30 local
}

TEST_CASE("R-TR-3 transfer targets list agents available or not and campaigns inside or outside hours") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  auto closed = webchat(Strategy::manual);
  closed.hours.holidays = {LocalDate{2026, 9, 21}};  // the fixture's day
  d.configure(d.finance, closed);
  d.connect(d.ana);
  d.connect(d.bob);
  REQUIRE(d.as(d.bob, SetStatus{kNoUser, d.lunch}).ok());
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto result = d.engine.transfer_targets(d.ana, id, d.clock.now());
  REQUIRE(std::holds_alternative<TransferTargets>(result));
  const auto& t = std::get<TransferTargets>(result);
  REQUIRE(t.campaigns.size() == 2);
  std::map<UserId, bool> available;
  for (const auto& a : t.campaigns[1].agents) available[a.id] = a.available;  // Finance
  CHECK_FALSE(available.at(d.bob));    // on a break
  CHECK_FALSE(available.at(d.carla));  // disconnected
  CHECK(t.campaigns[0].inside_hours);        // Sales: always open
  CHECK_FALSE(t.campaigns[1].inside_hours);  // Finance: holiday today
  CHECK(std::holds_alternative<Error>(d.engine.transfer_targets(d.bob, id, d.clock.now())));
  CHECK(std::holds_alternative<Error>(d.engine.transfer_targets(d.ana, 999, d.clock.now())));
}

TEST_CASE("R-TR-3 transfer targets are grouped by campaign: each campaign lists its own agents, never supervisors") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.configure(d.finance, webchat(Strategy::manual));
  d.connect(d.ana);
  d.connect(d.bob);
  d.connect(d.sam);
  auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto result = d.engine.transfer_targets(d.ana, id, d.clock.now());
  REQUIRE(std::holds_alternative<TransferTargets>(result));
  const auto& t = std::get<TransferTargets>(result);
  REQUIRE(t.campaigns.size() == 2);
  auto ids = [](const TransferTargets::Campaign& c) {
    std::vector<UserId> out;
    for (const auto& a : c.agents) out.push_back(a.id);
    return out;
  };
  CHECK(t.campaigns[0].id == d.sales);
  CHECK(ids(t.campaigns[0]) == std::vector<UserId>{d.bob});  // not ana (the caller), not sam (a supervisor)
  CHECK(t.campaigns[0].agents[0].available);
  CHECK(t.campaigns[1].id == d.finance);
  CHECK(ids(t.campaigns[1]) == std::vector<UserId>{d.bob, d.carla});  // bob under both of his campaigns
  // A supervisor is no text transfer target, even connected and a member.
  CHECK(d.as(d.ana, TransferInteraction{id, d.sam, 0}).error->code == ErrorCode::failed_precondition);
}
