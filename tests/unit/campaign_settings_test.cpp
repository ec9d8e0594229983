#include "inbox_fixture.h"

using namespace contactd::test;

namespace {
struct TwoZones final : ZoneRules {
  std::optional<Millis> utc_offset(std::string_view z, TimePoint) const override {
    if (z == "UTC") return Millis{0};
    if (z == "America/Sao_Paulo") return -Millis{3 * 3600 * 1000};
    return std::nullopt;
  }
};
const TwoZones any_zone;
}

TEST_CASE("campaign settings: valid settings pass, each invalid field gets a clear error") {
  auto ok = webchat(Strategy::longest_idle);
  ok.dispositions = three_levels();
  ok.hours = OperatingHours{"America/Sao_Paulo", {WeeklyRange{1, 9 * 60, 18 * 60}}, {LocalDate{2026, 12, 25}}};
  CHECK_FALSE(validate(ok, any_zone));

  auto check = [](CampaignSettings s, std::string_view fragment) {
    auto e = validate(s, any_zone);
    REQUIRE(e);
    CHECK(e->code == ErrorCode::invalid_argument);
    INFO(e->message);
    CHECK(e->message.find(fragment) != std::string::npos);
  };
  auto s = ok;
  s.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::smtp};
  check(s, "cannot carry whatsapp");
  s = ok;
  s.hours.time_zone = "Mars/Olympus";
  check(s, "unknown time zone");
  s = ok;
  s.hours.weekly = {WeeklyRange{1, 600, 600}};
  check(s, "start before it ends");
  s = ok;
  s.hours.weekly = {WeeklyRange{7, 0, 60}};
  check(s, "weekday");
  s = ok;
  s.hours.holidays = {LocalDate{2026, 2, 30}};
  check(s, "holiday");
  s = ok;
  s.dispositions.push_back(DispositionNode{3, "Duplicate", DispositionType::normal, {}});
  check(s, "used twice");
  s = ok;
  s.transfer_timeout = 1s;
  check(s, "transfer timeout");
  s = ok;
  s.bot = BotSettings{"Bot", "ftp://x", 1s};
  check(s, "bot url");
  s = ok;
  s.strategy = Strategy::ring_all;
  check(s, "ring_all");
  s = ok;
  s.form.manual_access = true;
  check(s, "manual form access");
  s = ok;
  s.default_capacity[index(Channel::webchat)] = 0;
  check(s, "capacity");
}

TEST_CASE("campaign settings: only administrators update, invalid updates change nothing") {
  Inbox d;
  CHECK(d.as(d.sam, UpdateCampaign{d.sales, webchat(Strategy::round_robin)}).error->code ==
        ErrorCode::permission_denied);
  auto bad = webchat(Strategy::round_robin);
  bad.transfer_timeout = 0s;
  CHECK(d.system(UpdateCampaign{d.sales, bad}).error->code == ErrorCode::invalid_argument);
  CHECK(d.engine.find_campaign(d.sales)->settings.strategy == Strategy::manual);
  CHECK(d.system(UpdateCampaign{999, webchat(Strategy::manual)}).error->code == ErrorCode::not_found);
  REQUIRE(d.as(d.alice, UpdateCampaign{d.sales, webchat(Strategy::round_robin)}).ok());
  CHECK(d.engine.find_campaign(d.sales)->settings.strategy == Strategy::round_robin);
}

TEST_CASE("archiving a campaign: refused while interactions are open, then no new work, restorable") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  auto id = d.open(d.sales);
  auto refused = d.system(ArchiveCampaign{d.sales, true});
  REQUIRE(refused.error);
  CHECK(refused.error->code == ErrorCode::failed_precondition);
  CHECK_FALSE(d.engine.find_campaign(d.sales)->archived);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  REQUIRE(d.as(d.ana, CloseInteraction{id}).ok());
  CHECK(d.as(d.sam, ArchiveCampaign{d.sales, true}).error->code == ErrorCode::permission_denied);
  auto archived = d.as(d.alice, ArchiveCampaign{d.sales, true});
  REQUIRE(find_event<CampaignArchived>(archived));
  CHECK(d.sees(d.ana, archived.events[0]));
  CHECK(d.system(OpenInteraction{d.sales, Channel::webchat, "late", 0}).error->code == ErrorCode::not_found);
  CHECK(d.engine.snapshot(d.alice).campaigns[0].archived);
  REQUIRE(d.system(ArchiveCampaign{d.sales, false}).ok());
  CHECK(d.system(OpenInteraction{d.sales, Channel::webchat, "back", 0}).ok());
  CHECK(d.system(ArchiveCampaign{999, true}).error->code == ErrorCode::not_found);
}
