#pragma once
// What one peer may take from the SIP side (issue 11): TCP connections, their
// size and lifetime, and wrong digest answers. No sofia types, so the
// configuration can carry it.
#include <chrono>
#include <cstddef>

namespace contactd::sip {

struct TcpLimits {
  // A connection that carries nothing (no message, no transaction) for this
  // long is closed by the stack; phones on TCP keep theirs with CRLF pings or
  // re-registrations.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // A message started and not finished within this time since its last byte
  // is dropped as an error (and the connection then closed as idle).
  std::chrono::milliseconds incomplete_timeout{std::chrono::seconds(10)};
  // Bigger messages (a Content-Length above it included) get 413 and the
  // connection is no longer read.
  std::size_t max_message_bytes{65536};
  // Connections at once from one source address; more are closed at once.
  std::size_t max_connections_per_source{16};
  // Connections at once in total; never more than a quarter of the process's
  // descriptor limit, so the API always keeps descriptors.
  std::size_t max_connections{512};
  // How often connections are checked when nothing else wakes the check
  // (peers that left, caps).
  std::chrono::milliseconds sweep_interval{200};
};

struct AuthLimits {
  // (Wrong answers per source address: SipOptions::auth_failures_per_minute.)
  // Wrong answers for one SIP user name within a minute, from all sources
  // together; then that name gets 403 from every source except the address
  // that holds the name's current binding (the working phone keeps refreshing).
  int failures_per_name_per_minute{100};
};

}  // namespace contactd::sip
