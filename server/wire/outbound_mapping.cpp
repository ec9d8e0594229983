#include "wire/outbound_mapping.h"

#include "wire/campaign_mapping.h"

namespace contactd::wire {

void to_proto(const core::Contact& in, v1::Contact* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  for (const auto& a : in.addresses) {
    auto* pa = out->add_addresses();
    pa->set_channel(to_proto(a.channel));
    pa->set_value(a.value);
  }
  for (const auto& [k, v] : in.fields) (*out->mutable_fields())[k] = v;
}

void to_proto(const core::Attempt& in, v1::Attempt* out) {
  out->set_id(in.id);
  out->set_campaign_id(in.campaign);
  out->set_channel(to_proto(in.channel));
  out->set_contact_id(in.contact);
  out->set_address(in.address);
  out->set_list(in.list);
  out->set_due_at_ms(core::to_unix_ms(in.due_at));
  out->set_origin(in.origin == core::AttemptOrigin::list ? v1::ATTEMPT_ORIGIN_LIST : v1::ATTEMPT_ORIGIN_RESCHEDULE);
  out->set_from_interaction_id(in.from_interaction);
}

void to_proto(core::CampaignId campaign, const core::FormDraft& in, v1::FormDraft* out) {
  out->set_campaign_id(campaign);
  out->set_interaction_id(in.interaction);
  for (const auto& [k, v] : in.fields) (*out->mutable_fields())[k] = v;
}

void to_proto(const core::ManualForm& in, v1::ManualForm* out) {
  out->set_campaign_id(in.campaign);
  out->set_kind(static_cast<v1::FormKind>(static_cast<int>(in.kind) + 1));
  out->set_label(in.label);
  out->set_url(in.url);
}

v1::AttemptCancelReason to_proto(core::AttemptCancelReason r) {
  return static_cast<v1::AttemptCancelReason>(static_cast<int>(r) + 1);
}

core::MaybeError from_proto(const v1::ContactAddress& in, core::ContactAddress* out) {
  auto channel = channel_from_proto(in.channel());
  if (!channel) return core::Error{core::ErrorCode::invalid_argument, "an address needs its channel"};
  *out = core::ContactAddress{*channel, in.value()};
  return std::nullopt;
}

}  // namespace contactd::wire
