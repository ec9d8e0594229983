#pragma once
// Building the Envelopes the server sends.
#include <cstdint>
#include <string>
#include <string_view>

#include "net/peer.h"
#include "wire/mapping.h"

namespace contactd::api {

namespace v1 = ::contactd::v1;

net::Frame error_frame(std::uint64_t request_id, v1::ErrorCode code, std::string_view message);
net::Frame error_frame(std::uint64_t request_id, const core::Error& error);
net::Frame response_frame(std::uint64_t request_id, const v1::Response& response);
net::Frame ack_frame(std::uint64_t request_id);
// An event frame for one stream position, from the event's serialised bytes
// (serialised once, shared by every recipient): Envelope{seq, event}.
net::Frame event_frame(std::uint64_t seq, std::string_view event_bytes);

}  // namespace contactd::api
