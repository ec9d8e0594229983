#include "core/campaign_settings.h"

#include "core/operating_hours.h"

#include <cctype>
#include <set>

namespace contactd::core {
namespace {

Error invalid(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message)}; }

MaybeError check_tree(const std::vector<DispositionNode>& nodes, std::set<std::uint32_t>& ids, int depth) {
  if (depth > 8) return invalid("dispositions are nested more than 8 levels");
  for (const auto& n : nodes) {
    if (n.id == 0) return invalid("disposition ids must be positive");
    if (!ids.insert(n.id).second) return invalid("disposition id " + std::to_string(n.id) + " is used twice");
    if (n.label.empty() || n.label.size() > 200) return invalid("disposition labels must be 1 to 200 bytes");
    if (auto e = check_tree(n.children, ids, depth + 1)) return e;
  }
  return std::nullopt;
}

bool valid_date(const LocalDate& d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return d.year >= 1970 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= kDays[d.month - 1];
}

bool http_url(const std::string& url) {
  return (url.rfind("http://", 0) == 0 && url.size() > 7) || (url.rfind("https://", 0) == 0 && url.size() > 8);
}

}  // namespace

bool valid_phone_number(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("+*#._-").find(c) == std::string_view::npos)
      return false;
  return true;
}

MaybeError validate(const CampaignSettings& s, const ZoneRules& zones) {
  for (std::size_t i = 0; i < kChannelCount; ++i) {
    const auto channel = static_cast<Channel>(i);
    const auto& c = s.channels[i];
    if (c.enabled && !provider_serves(c.provider, channel))
      return invalid("provider " + std::string(to_string(c.provider)) + " cannot carry " +
                     std::string(to_string(channel)));
    if (s.default_capacity[i] == 0 || s.default_capacity[i] > 100)
      return invalid("capacity for " + std::string(to_string(channel)) + " must be 1 to 100");
  }
  if (s.strategy == Strategy::ring_all && !s.has(Channel::phone))
    return invalid("ring_all is a phone strategy: enable the phone channel");
  if (s.bot) {
    if (s.bot->name.empty() || s.bot->name.size() > 100) return invalid("bot name must be 1 to 100 bytes");
    if (!http_url(s.bot->url)) return invalid("bot url must be an http:// or https:// URL");
    if (s.bot->timeout < Millis{100} || s.bot->timeout > Millis{120'000})
      return invalid("bot timeout must be 100 ms to 120 s");
  }
  if (s.transfer_timeout < Millis{5'000} || s.transfer_timeout > Millis{3'600'000})
    return invalid("transfer timeout must be 5 s to 1 h");
  if (s.wrap_up < Millis{0} || s.wrap_up > Millis{3'600'000}) return invalid("wrap-up must be 0 to 1 h");
  if (!s.phone_number.empty() && !valid_phone_number(s.phone_number))
    return invalid("phone number must be 1 to 32 of: letters, digits, + * # . _ -");
  if (s.ring_timeout < Millis{1'000} || s.ring_timeout > Millis{300'000}) return invalid("ring timeout must be 1 s to 5 min");
  if (s.missed_calls_limit > 100) return invalid("missed calls limit must be 0 to 100");
  if (!zones.utc_offset(s.hours.time_zone, TimePoint{}))
    return invalid("unknown time zone '" + s.hours.time_zone + "'");
  for (const auto& r : s.hours.weekly) {
    if (r.weekday > 6) return invalid("weekday must be 0 (Sunday) to 6 (Saturday)");
    if (r.start_minute >= r.end_minute || r.end_minute > 1440)
      return invalid("an operating-hours range must start before it ends, within the day");
  }
  for (const auto& d : s.hours.holidays)
    if (!valid_date(d)) return invalid("holiday is not a valid date");
  std::set<std::uint32_t> ids;
  if (auto e = check_tree(s.dispositions, ids, 0)) return e;
  const auto& f = s.form;
  if (f.kind != FormKind::none && (f.name.empty() || f.name.size() > 200)) return invalid("form name must be 1 to 200 bytes");
  if (f.kind == FormKind::external && !http_url(f.url)) return invalid("external form url must be http(s)");
  if (f.kind == FormKind::internal) {
    if (f.fields.empty()) return invalid("an internal form needs fields");
    std::set<std::string> keys;
    for (const auto& field : f.fields) {
      if (field.key.empty() || !keys.insert(field.key).second) return invalid("form field keys must be unique and non-empty");
      if (field.type == FieldType::choice && field.choices.empty()) return invalid("choice field '" + field.key + "' has no choices");
    }
  }
  if (f.manual_access && f.kind == FormKind::none) return invalid("manual form access needs a form");
  if (s.email_signature.size() > 10'000) return invalid("email signature is longer than 10000 bytes");
  return std::nullopt;
}

CampaignSettings merge(const CampaignSettings& base, const CampaignSettings& changes,
                       const std::vector<SettingsField>& fields) {
  if (fields.empty()) return changes;
  CampaignSettings out = base;
  for (SettingsField f : fields) {
    switch (f) {
      case SettingsField::channels:
        out.channels = changes.channels;
        out.default_capacity = changes.default_capacity;
        break;
      case SettingsField::strategy: out.strategy = changes.strategy; break;
      case SettingsField::bot: out.bot = changes.bot; break;
      case SettingsField::transfer_timeout: out.transfer_timeout = changes.transfer_timeout; break;
      case SettingsField::hold_music: out.hold_music = changes.hold_music; break;
      case SettingsField::hours: out.hours = changes.hours; break;
      case SettingsField::dispositions: out.dispositions = changes.dispositions; break;
      case SettingsField::comment_policy: out.comment_policy = changes.comment_policy; break;
      case SettingsField::form: out.form = changes.form; break;
      case SettingsField::email_signature: out.email_signature = changes.email_signature; break;
      case SettingsField::wrap_up: out.wrap_up = changes.wrap_up; break;
      case SettingsField::phone_number: out.phone_number = changes.phone_number; break;
      case SettingsField::ring_timeout: out.ring_timeout = changes.ring_timeout; break;
      case SettingsField::missed_calls_limit: out.missed_calls_limit = changes.missed_calls_limit; break;
    }
  }
  return out;
}

const DispositionNode* resolve_disposition(const std::vector<DispositionNode>& tree,
                                           const std::vector<std::uint32_t>& path) {
  const std::vector<DispositionNode>* level = &tree;
  const DispositionNode* node = nullptr;
  for (std::uint32_t id : path) {
    node = nullptr;
    for (const auto& candidate : *level)
      if (candidate.id == id) node = &candidate;
    if (!node) return nullptr;
    level = &node->children;
  }
  if (!node || !node->children.empty()) return nullptr;  // must end at a leaf
  return node;
}

}  // namespace contactd::core
