#pragma once
// Core <-> protobuf for the Outbound Hub, the CRM and forms.
#include <optional>

#include "contactd/v1/outbound.pb.h"
#include "core/attempt.h"
#include "core/contact.h"
#include "core/error.h"
#include "core/form.h"
#include "core/model.h"

namespace contactd::wire {

namespace v1 = ::contactd::v1;

void to_proto(const core::Contact& in, v1::Contact* out);
void to_proto(const core::Attempt& in, v1::Attempt* out);
void to_proto(core::CampaignId campaign, const core::FormDraft& in, v1::FormDraft* out);
void to_proto(const core::ManualForm& in, v1::ManualForm* out);
v1::AttemptCancelReason to_proto(core::AttemptCancelReason r);

// Addresses with an unknown channel are refused.
core::MaybeError from_proto(const v1::ContactAddress& in, core::ContactAddress* out);

}  // namespace contactd::wire
