// The journal's JSON writer: what it writes reads back as the same event,
// and matches protobuf's own JSON printer field for field.
#include <catch2/catch.hpp>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "wire/json_writer.h"
#include "wire/mapping.h"

using namespace contactd;

namespace {

std::vector<core::Event> samples() {
  const auto at = core::from_unix_ms(1'790'000'000'123);
  core::CampaignSettings settings;
  settings.channels[core::index(core::Channel::webchat)] = core::ChannelSettings{true, core::Provider::builtin};
  settings.dispositions = {core::DispositionNode{1, "Sale \"big\"", core::DispositionType::normal,
                                                 {core::DispositionNode{2, "Card\n", core::DispositionType::reschedule, {}}}}};
  settings.bot = core::BotSettings{"Sally", "https://bot.example/x", core::Millis{2000}};
  core::Contact maria{4, "Maria \\ Silva", {{core::Channel::sms, "5511"}, {core::Channel::webchat, "v-1"}}, {{"a", "b"}, {"c", "\x01"}}};
  return {
      core::Event{1, at, {}, core::PresenceChanged{7, false}},
      core::Event{2, at, {}, core::AgentStatusChanged{7, std::nullopt, 0}},
      core::Event{3, at, {}, core::CampaignCreated{3, "Sales", settings}},
      core::Event{4, at, {}, core::MessagePosted{9, 11, core::Sender::agent, 7, "Ana", "Olá 👋 <b>\"x\"</b>\t",
                                                 {core::Attachment{"a.pdf", 1234, "ref", false}}}},
      core::Event{5, at, {}, core::InteractionAssigned{9, 3, 7, core::AssignHow::automatic, core::Strategy::longest_idle, 4,
                                                       {core::Candidate{7, -5}, core::Candidate{8, 1LL << 50}}}},
      core::Event{6, at, {}, core::DraftSaved{7, core::Channel::email, 3, {{"to", "x@example.com"}, {"subject", ""}}}},
      core::Event{7, at, {}, core::ContactsUploaded{3, core::Channel::sms, "L", 1, {maria}, {}}},
      core::Event{8, at, {}, core::FormDraftSaved{7, 3, std::nullopt}},
      core::Event{9, at, {}, core::DispositionSaved{9, {1, 2}, "", at, 7}},
  };
}

}  // namespace

TEST_CASE("journal JSON: the fast writer reads back as the same event and equals protobuf's printer") {
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  for (const auto& e : samples()) {
    wire::v1::Event message;
    wire::to_proto(e, &message);
    std::string fast;
    wire::append_json(message, fast);
    INFO(fast);
    wire::v1::Event back;
    REQUIRE(google::protobuf::util::JsonStringToMessage(fast, &back).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(message, back));
    // Same JSON values as protobuf's own printer (compared parsed, as objects).
    std::string reference;
    REQUIRE(google::protobuf::util::MessageToJsonString(message, &reference, opts).ok());
    google::protobuf::Struct a, b;
    REQUIRE(google::protobuf::util::JsonStringToMessage(fast, &a).ok());
    REQUIRE(google::protobuf::util::JsonStringToMessage(reference, &b).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(a, b));
  }
}
