#pragma once
// The fan-out baseline: a bare Boost.Beast WebSocket echo server that writes
// every frame a publisher (path /pub) sends to every subscriber (path /sub),
// as Beast's websocket-chat-multi example does: one strand per connection, a
// queue of shared frames per subscriber, `threads` threads on one
// io_context. No parsing, no state, no durability: the floor that any
// WebSocket server doing fan-out on this machine pays.
#include <cstdint>

namespace contactd::bench {

// Serves on 127.0.0.1:port until SIGTERM, after telling NOTIFY_SOCKET
// READY=1. Returns the process exit status.
int run_fanout_server(std::uint16_t port, unsigned threads);

}  // namespace contactd::bench
