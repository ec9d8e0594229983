#include "api/frames.h"

namespace contactd::api {
namespace {

net::Frame serialise(const v1::Envelope& envelope) {
  auto out = std::make_shared<std::string>();
  envelope.SerializeToString(out.get());
  return out;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

}  // namespace

net::Frame error_frame(std::uint64_t request_id, v1::ErrorCode code, std::string_view message) {
  v1::Envelope e;
  e.set_request_id(request_id);
  e.mutable_error()->set_code(code);
  e.mutable_error()->set_message(std::string(message));
  return serialise(e);
}

net::Frame error_frame(std::uint64_t request_id, const core::Error& error) {
  return error_frame(request_id, wire::to_proto(error.code), error.message);
}

net::Frame response_frame(std::uint64_t request_id, const v1::Response& response) {
  v1::Envelope e;
  e.set_request_id(request_id);
  *e.mutable_response() = response;
  return serialise(e);
}

net::Frame ack_frame(std::uint64_t request_id) {
  v1::Response r;
  r.mutable_ack();
  return response_frame(request_id, r);
}

net::Frame event_frame(std::uint64_t seq, std::string_view event_bytes) {
  // Field 2 (seq, varint) then field 5 (event, length-delimited): the same
  // bytes SerializeToString would produce for Envelope{seq, event}.
  auto out = std::make_shared<std::string>();
  out->reserve(event_bytes.size() + 16);
  out->push_back(static_cast<char>((2 << 3) | 0));
  put_varint(*out, seq);
  out->push_back(static_cast<char>((5 << 3) | 2));
  put_varint(*out, event_bytes.size());
  out->append(event_bytes);
  return out;
}

}  // namespace contactd::api
