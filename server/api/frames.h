#pragma once
// Building the Envelopes the server sends.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/peer.h"
#include "wire/mapping.h"

namespace contactd::api {

namespace v1 = ::contactd::v1;

Frame error_frame(std::uint64_t request_id, v1::ErrorCode code, std::string_view message);
Frame error_frame(std::uint64_t request_id, const core::Error& error);
Frame response_frame(std::uint64_t request_id, const v1::Response& response);
Frame ack_frame(std::uint64_t request_id);
// An event frame for one stream position, from the event's serialised bytes
// (serialised once, shared by every recipient): Envelope{seq, event}.
Frame event_frame(std::uint64_t seq, std::string_view event_bytes);

}  // namespace contactd::api
