#pragma once
// R-SEC-1 at the API's edge: every string field of a client's message,
// however deeply nested (repeated fields and maps included), checked with the
// core's text rule before the message is used — also for queries, whose
// strings reach SQL without passing through the engine.
#include <optional>
#include <string>

namespace google::protobuf {
class Message;
}

namespace contactd::api {

// The full name of the first string field that breaks core::valid_text, or
// nullopt when every one is valid.
std::optional<std::string> find_invalid_text(const google::protobuf::Message& message);

}  // namespace contactd::api
