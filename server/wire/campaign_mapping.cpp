#include "wire/campaign_mapping.h"

#include <google/protobuf/util/field_mask_util.h>

namespace contactd::wire {
namespace {

template <class Core, class Proto>
std::optional<Core> from_enum(Proto p, int count) {
  const int v = static_cast<int>(p) - 1;
  if (v < 0 || v >= count) return std::nullopt;
  return static_cast<Core>(v);
}

core::Error bad(const std::string& what) { return core::Error{core::ErrorCode::invalid_argument, what}; }

void node_to_proto(const core::DispositionNode& in, v1::DispositionNode* out) {
  out->set_id(in.id);
  out->set_label(in.label);
  out->set_type(static_cast<v1::DispositionType>(static_cast<int>(in.type) + 1));
  for (const auto& c : in.children) node_to_proto(c, out->add_children());
}

core::MaybeError node_from_proto(const v1::DispositionNode& in, core::DispositionNode* out, int depth) {
  if (depth > 8) return bad("dispositions are nested more than 8 levels");
  out->id = in.id();
  out->label = in.label();
  auto type = from_enum<core::DispositionType>(in.type(), 2);
  if (!type) return bad("disposition " + std::to_string(in.id()) + " has no type");
  out->type = *type;
  for (const auto& c : in.children()) {
    out->children.emplace_back();
    if (auto e = node_from_proto(c, &out->children.back(), depth + 1)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<core::Channel> channel_from_proto(v1::Channel c) {
  return from_enum<core::Channel>(c, static_cast<int>(core::kChannelCount));
}

void to_proto(const core::CampaignSettings& in, v1::CampaignSettings* out) {
  for (std::size_t i = 0; i < core::kChannelCount; ++i) {
    auto* c = out->add_channels();
    c->set_channel(to_proto(static_cast<core::Channel>(i)));
    c->set_enabled(in.channels[i].enabled);
    c->set_provider(static_cast<v1::Provider>(static_cast<int>(in.channels[i].provider) + 1));
    c->set_default_capacity(in.default_capacity[i]);
    c->set_account_id(in.channels[i].account);
  }
  out->set_strategy(to_proto(in.strategy));
  if (in.bot) {
    out->mutable_bot()->set_name(in.bot->name);
    out->mutable_bot()->set_url(in.bot->url);
    out->mutable_bot()->set_timeout_ms(static_cast<std::uint32_t>(in.bot->timeout.count()));
  }
  out->set_transfer_timeout_ms(static_cast<std::uint32_t>(in.transfer_timeout.count()));
  out->set_hold_music(in.hold_music);
  auto* hours = out->mutable_hours();
  hours->set_time_zone(in.hours.time_zone);
  for (const auto& r : in.hours.weekly) {
    auto* w = hours->add_weekly();
    w->set_weekday(r.weekday);
    w->set_start_minute(r.start_minute);
    w->set_end_minute(r.end_minute);
  }
  for (const auto& d : in.hours.holidays) {
    auto* h = hours->add_holidays();
    h->set_year(static_cast<std::uint32_t>(d.year));
    h->set_month(d.month);
    h->set_day(d.day);
  }
  for (const auto& n : in.dispositions) node_to_proto(n, out->add_dispositions());
  out->set_comment_required(in.comment_policy == core::CommentPolicy::required);
  auto* form = out->mutable_form();
  form->set_kind(static_cast<v1::FormKind>(static_cast<int>(in.form.kind) + 1));
  form->set_name(in.form.name);
  form->set_url(in.form.url);
  form->set_manual_access(in.form.manual_access);
  for (const auto& f : in.form.fields) {
    auto* pf = form->add_fields();
    pf->set_key(f.key);
    pf->set_label(f.label);
    pf->set_type(static_cast<v1::FieldType>(static_cast<int>(f.type) + 1));
    pf->set_required(f.required);
    for (const auto& c : f.choices) pf->add_choices(c);
  }
  out->set_email_signature(in.email_signature);
  out->set_wrap_up_ms(static_cast<std::uint32_t>(in.wrap_up.count()));
  out->set_phone_number(in.phone_number);
  out->set_ring_timeout_ms(static_cast<std::uint32_t>(in.ring_timeout.count()));
  out->set_missed_calls_limit(in.missed_calls_limit);
}

core::MaybeError from_proto(const v1::CampaignSettings& in, core::CampaignSettings* out) {
  core::CampaignSettings s;
  for (const auto& c : in.channels()) {
    auto channel = channel_from_proto(c.channel());
    if (!channel) return bad("channel settings name no channel");
    auto provider = from_enum<core::Provider>(c.provider(), 7);
    if (c.enabled() && !provider) return bad("enabled channel " + std::string(core::to_string(*channel)) + " has no provider");
    const auto i = core::index(*channel);
    s.channels[i] = core::ChannelSettings{c.enabled(), provider.value_or(core::Provider::builtin), c.account_id()};
    if (c.default_capacity() > 100) return bad("capacity must be 1 to 100");
    if (c.default_capacity() != 0) s.default_capacity[i] = static_cast<std::uint16_t>(c.default_capacity());
  }
  auto strategy = from_enum<core::Strategy>(in.strategy(), 8);
  if (!strategy) return bad("strategy is required");
  s.strategy = *strategy;
  if (in.has_bot()) s.bot = core::BotSettings{in.bot().name(), in.bot().url(), core::Millis{in.bot().timeout_ms()}};
  if (in.transfer_timeout_ms() != 0) s.transfer_timeout = core::Millis{in.transfer_timeout_ms()};
  s.hold_music = in.hold_music();
  if (in.has_hours()) {
    if (!in.hours().time_zone().empty()) s.hours.time_zone = in.hours().time_zone();
    for (const auto& w : in.hours().weekly()) {
      if (w.weekday() > 255 || w.start_minute() > 65535 || w.end_minute() > 65535) return bad("operating hours out of range");
      s.hours.weekly.push_back(core::WeeklyRange{static_cast<std::uint8_t>(w.weekday()),
                                                 static_cast<std::uint16_t>(w.start_minute()),
                                                 static_cast<std::uint16_t>(w.end_minute())});
    }
    for (const auto& h : in.hours().holidays()) {
      if (h.year() > 9999 || h.month() > 255 || h.day() > 255) return bad("holiday out of range");
      s.hours.holidays.push_back(core::LocalDate{static_cast<std::int16_t>(h.year()),
                                                 static_cast<std::uint8_t>(h.month()),
                                                 static_cast<std::uint8_t>(h.day())});
    }
  }
  for (const auto& n : in.dispositions()) {
    s.dispositions.emplace_back();
    if (auto e = node_from_proto(n, &s.dispositions.back(), 0)) return e;
  }
  s.comment_policy = in.comment_required() ? core::CommentPolicy::required : core::CommentPolicy::optional;
  if (in.has_form()) {
    auto kind = from_enum<core::FormKind>(in.form().kind(), 4);
    if (!kind) return bad("form kind is required");
    s.form.kind = *kind;
    s.form.name = in.form().name();
    s.form.url = in.form().url();
    s.form.manual_access = in.form().manual_access();
    for (const auto& f : in.form().fields()) {
      auto type = from_enum<core::FieldType>(f.type(), 5);
      if (!type) return bad("form field '" + f.key() + "' has no type");
      s.form.fields.push_back(core::FormField{f.key(), f.label(), *type, f.required(),
                                              std::vector<std::string>(f.choices().begin(), f.choices().end())});
    }
  }
  s.email_signature = in.email_signature();
  s.wrap_up = core::Millis{in.wrap_up_ms()};
  s.phone_number = in.phone_number();
  if (in.ring_timeout_ms() != 0) s.ring_timeout = core::Millis{in.ring_timeout_ms()};
  if (in.has_missed_calls_limit()) {
    if (in.missed_calls_limit() > 100) return bad("missed calls limit must be 0 to 100");
    s.missed_calls_limit = static_cast<std::uint16_t>(in.missed_calls_limit());
  }
  *out = std::move(s);
  return std::nullopt;
}

std::optional<core::SettingsField> settings_field_from_path(std::string_view path) {
  using F = core::SettingsField;
  static constexpr std::pair<std::string_view, F> kPaths[] = {
      {"channels", F::channels},
      {"strategy", F::strategy},
      {"bot", F::bot},
      {"transfer_timeout_ms", F::transfer_timeout},
      {"hold_music", F::hold_music},
      {"hours", F::hours},
      {"dispositions", F::dispositions},
      {"comment_required", F::comment_policy},
      {"form", F::form},
      {"email_signature", F::email_signature},
      {"wrap_up_ms", F::wrap_up},
      {"phone_number", F::phone_number},
      {"ring_timeout_ms", F::ring_timeout},
      {"missed_calls_limit", F::missed_calls_limit},
  };
  for (const auto& [name, field] : kPaths)
    if (name == path) return field;
  return std::nullopt;
}

void merge_named(const v1::CampaignSettings& in, const google::protobuf::FieldMask& mask, v1::CampaignSettings* out) {
  google::protobuf::util::FieldMaskUtil::MergeOptions whole;
  whole.set_replace_message_fields(true);
  whole.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(in, mask, whole, out);
}

}  // namespace contactd::wire
