#pragma once
// Core <-> protobuf. One mapping serves both the client API and the journal.
#include <string>
#include <string_view>

#include "contactd/v1/envelope.pb.h"
#include "core/engine.h"

namespace contactd::wire {

namespace v1 = ::contactd::v1;

v1::ErrorCode to_proto(core::ErrorCode code);
v1::Profile to_proto(core::Profile p);
void to_proto(const core::UserView& in, v1::UserState* out);
void to_proto(const core::Interaction& in, v1::Interaction* out);
void to_proto(const core::MessagePreview& in, v1::MessagePreview* out);
void to_proto(const core::TransferTargets& in, v1::TransferTargets* out);
void to_proto(const core::Snapshot& in, v1::Snapshot* out);
// Secrets (password and token hashes) are never copied into the message.
void to_proto(const core::Event& in, v1::Event* out);

// A stable name for the event's kind ("presence_changed", ...), as stored in the journal.
std::string_view event_type(const core::Event& e);

}  // namespace contactd::wire
