#pragma once
// A WebSocket client speaking the contactd protocol, for tests. Every wait has
// a timeout (5 s by default); a timeout fails the test.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "contactd/v1/envelope.pb.h"

namespace contactd::test {

namespace v1 = ::contactd::v1;

struct CloseInfo {
  int code{0};
  std::string reason;
};

class Client {
 public:
  // `source`: the local address to connect from (any of 127.0.0.0/8 reaches
  // the daemon; a different one is a different client address).
  explicit Client(std::uint16_t port, const std::string& source = "127.0.0.1");
  ~Client();

  // Sends raw bytes as one frame (binary or text).
  void send_raw(const std::string& bytes, bool binary = true);
  // Sends a command with a fresh request id; returns the id.
  std::uint64_t send(const v1::Command& command);
  // Sends and waits for the response or error with the same request id.
  // Events that arrive meanwhile are kept for next_event().
  v1::Envelope request(const v1::Command& command);
  // The next frame that is not an answer to a request (an event, or a
  // connection-level error with request id 0).
  v1::Envelope next_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Fails if the next frame is not an event.
  v1::Envelope next_event(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the server closes the connection; returns the close frame.
  CloseInfo wait_closed();
  // Writes `bytes` as one binary frame while reading, as a browser does, until
  // the server closes the connection (for frames the server refuses).
  CloseInfo send_until_closed(const std::string& bytes);
  // Closes from this side.
  void close();
  bool has_buffered() const { return !unsolicited_.empty(); }

  // Helpers.
  v1::Envelope login(const std::string& login, const std::string& password);
  v1::Envelope resume(const std::string& token, std::uint64_t last_seq);
  v1::Envelope set_status(std::uint64_t status_id, std::uint64_t target = 0);
  v1::Envelope clear_status(std::uint64_t target = 0);
  v1::Envelope snapshot();
  v1::Envelope logout();

  std::uint64_t last_seq() const { return last_seq_; }

 private:
  // Reads one frame; nullopt when the connection closed.
  std::optional<v1::Envelope> read_one(std::chrono::milliseconds timeout);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<v1::Envelope> unsolicited_;
  std::uint64_t next_request_{1};
  std::uint64_t last_seq_{0};
};

// Convenience: the error code of an envelope (ERROR_CODE_UNSPECIFIED if none).
inline v1::ErrorCode error_of(const v1::Envelope& e) {
  return e.has_error() ? e.error().code() : v1::ERROR_CODE_UNSPECIFIED;
}

}  // namespace contactd::test
