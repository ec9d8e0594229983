#pragma once
// Campaign settings <-> protobuf, both ways: the API and the query tables
// (JSON of the same message) read what the engine wrote.
#include <google/protobuf/field_mask.pb.h>

#include <optional>
#include <string_view>

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

// Partial updates (UpdateCampaign.update_mask): the setting a path names
// (CampaignSettings' top-level field names), or nullopt for any other path.
std::optional<core::SettingsField> settings_field_from_path(std::string_view path);
// Replaces, in `out`, each field `mask` names by its value in `in` (whole
// fields: repeated and message fields are replaced, not merged).
// REQUIRES: every path passed settings_field_from_path.
void merge_named(const v1::CampaignSettings& in, const google::protobuf::FieldMask& mask, v1::CampaignSettings* out);

}  // namespace contactd::wire
