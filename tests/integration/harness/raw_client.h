#pragma once
// A protobuf client for worker threads: no test assertions (Catch2 is not
// thread-safe); every failure is just "no answer".
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "contactd/v1/envelope.pb.h"

namespace contactd::test {

class RawClient {
 public:
  // Throws if it cannot connect. receive_buffer_bytes > 0: a small kernel
  // receive buffer, so a client that stops reading backs up quickly.
  // `source`: the loopback address to connect from (127.0.0.0/8), so a test
  // can act as several client addresses.
  explicit RawClient(std::uint16_t port, int receive_buffer_bytes = 0, const std::string& source = "");
  ~RawClient();
  // The answer to `command` (events are skipped), or nothing on timeout,
  // a closed connection or garbage.
  std::optional<contactd::v1::Envelope> request(const contactd::v1::Command& command,
                                                std::chrono::milliseconds limit = std::chrono::milliseconds(3000));
  // Reads (and drops) frames until the server closes the connection; the
  // close code and reason, or nothing if it stays open for `limit`.
  std::optional<std::pair<int, std::string>> wait_closed(std::chrono::milliseconds limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t next_id_{0};
};

}  // namespace contactd::test
