#pragma once
// Everything an administrator configures on a campaign (SPEC section 1),
// validated as a whole before it takes effect.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/channel.h"
#include "core/error.h"
#include "core/provider_account.h"
#include "core/time.h"

namespace contactd::core {

struct ChannelSettings {
  bool enabled{false};
  Provider provider{Provider::builtin};
  // The provider account that carries the channel (has_accounts(provider)):
  // enabling such a channel needs an existing account of that provider, and
  // an account serves one channel of one campaign (its inbound traffic goes
  // there). 0: none.
  AccountId account{0};
};

// An HTTP bot in front of the queue (text channels, R-IN-1).
struct BotSettings {
  std::string name;             // shown on the bot's messages
  std::string url;              // http(s) endpoint
  Millis timeout{Millis{5000}}; // no answer in time: hand off to the queue
};

// Open during these local-time ranges of these weekdays, except on holidays.
struct WeeklyRange {
  std::uint8_t weekday{0};          // 0 = Sunday ... 6 = Saturday
  std::uint16_t start_minute{0};    // minutes after local midnight, inclusive
  std::uint16_t end_minute{1440};   // exclusive; > start_minute
};
struct LocalDate {
  std::int16_t year{};
  std::uint8_t month{};  // 1..12
  std::uint8_t day{};    // 1..31
  friend bool operator==(const LocalDate&, const LocalDate&) = default;
};
struct OperatingHours {
  std::string time_zone{"UTC"};  // IANA name
  std::vector<WeeklyRange> weekly;  // empty: always open
  std::vector<LocalDate> holidays;
};

enum class DispositionType : std::uint8_t { normal, reschedule };
struct DispositionNode {
  std::uint32_t id{};  // unique within the campaign's tree, > 0
  std::string label;
  DispositionType type{DispositionType::normal};
  std::vector<DispositionNode> children;  // a choice here enables the next level
};
enum class CommentPolicy : std::uint8_t { optional, required };

enum class FormKind : std::uint8_t { none, builtin, internal, external };
enum class FieldType : std::uint8_t { text, number, date, choice, checkbox };
struct FormField {
  std::string key;
  std::string label;
  FieldType type{FieldType::text};
  bool required{false};
  std::vector<std::string> choices;  // for `choice`
};
struct FormSettings {
  FormKind kind{FormKind::none};
  std::string name;               // "Form name – Campaign name" in manual access lists
  std::string url;                // external forms
  std::vector<FormField> fields;  // internal forms
  bool manual_access{false};      // R-FORM-2
};

struct CampaignSettings {
  std::array<ChannelSettings, kChannelCount> channels{};
  Strategy strategy{Strategy::manual};
  std::optional<BotSettings> bot;
  Millis transfer_timeout{Millis{60'000}};
  std::string hold_music;  // reference to a music file; empty: the default
  OperatingHours hours;
  std::vector<DispositionNode> dispositions;
  CommentPolicy comment_policy{CommentPolicy::optional};
  FormSettings form;
  std::string email_signature;
  Millis wrap_up{Millis{0}};  // phone only
  // Phone (issue 5). Callers reach the campaign by dialling `phone_number`
  // (the INVITE's request-URI user part; unique among campaigns). An offered
  // call rings for `ring_timeout`; an agent who lets `missed_calls_limit`
  // offers in a row ring out is given the "No answer" status (0: never).
  std::string phone_number;
  Millis ring_timeout{Millis{20'000}};
  std::uint16_t missed_calls_limit{3};
  std::array<std::uint16_t, kChannelCount> default_capacity{1, 3, 3, 3, 3, 3, 3};

  bool has(Channel c) const { return channels[index(c)].enabled; }
};

// A campaign setting that can be changed on its own (a partial update).
// `channels` covers each channel's enablement, provider and default capacity.
enum class SettingsField : std::uint8_t {
  channels, strategy, bot, transfer_timeout, hold_music, hours, dispositions, comment_policy, form,
  email_signature, wrap_up, phone_number, ring_timeout, missed_calls_limit,
};

// `base` with each of `fields` replaced, as a whole, by its value in
// `changes`; with no fields, `changes`. The result still needs validate().
CampaignSettings merge(const CampaignSettings& base, const CampaignSettings& changes,
                       const std::vector<SettingsField>& fields);

class ZoneRules;

// A campaign's phone number: what may stand in a SIP request-URI's user part.
bool valid_phone_number(std::string_view number);

// Checks the settings as a whole; `zones` tells which time zone names exist.
MaybeError validate(const CampaignSettings& s, const ZoneRules& zones);

// Finds the node for a full path through the tree (each step a child of the
// previous, ending at a leaf). Null when the path is not valid.
const DispositionNode* resolve_disposition(const std::vector<DispositionNode>& tree,
                                           const std::vector<std::uint32_t>& path);

}  // namespace contactd::core
