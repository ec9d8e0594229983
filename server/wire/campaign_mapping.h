#pragma once
// Campaign settings <-> protobuf, both ways: the API and the query tables
// (JSON of the same message) read what the engine wrote.
#include "contactd/v1/campaign.pb.h"
#include "core/campaign_settings.h"

namespace contactd::wire {

namespace v1 = ::contactd::v1;

// Core enums are 0-based; proto enums reserve 0 for "unspecified".
inline v1::Channel to_proto(core::Channel c) { return static_cast<v1::Channel>(static_cast<int>(c) + 1); }
inline v1::Strategy to_proto(core::Strategy s) { return static_cast<v1::Strategy>(static_cast<int>(s) + 1); }
std::optional<core::Channel> channel_from_proto(v1::Channel c);

void to_proto(const core::CampaignSettings& in, v1::CampaignSettings* out);
// Fails (invalid_argument) on unspecified or unknown enum values. Range and
// consistency checks are the engine's (core::validate).
core::MaybeError from_proto(const v1::CampaignSettings& in, core::CampaignSettings* out);

}  // namespace contactd::wire
