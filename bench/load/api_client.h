#pragma once
// A contactd API connection in the load generator: protobuf Envelopes over a
// WsClient, a login, and request ids.
#include <functional>
#include <memory>
#include <string>

#include "contactd/v1/envelope.pb.h"
#include "ws_client.h"

namespace contactd::bench {

namespace v1 = ::contactd::v1;

struct ApiClient {
  std::shared_ptr<WsClient> ws;
  std::uint64_t user_id{0};  // known once logged in
  std::uint64_t next_request{1};

  std::uint64_t send(const v1::Command& command) {
    v1::Envelope e;
    e.set_request_id(next_request);
    *e.mutable_command() = command;
    ws->send(e.SerializeAsString());
    return next_request++;
  }
};

}  // namespace contactd::bench
