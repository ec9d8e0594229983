#pragma once
// Reads one WebSocket message within `timeout`: the read's error (closed
// connections included), or nothing when no message came in time. No test
// assertions: safe on worker threads.
template <class Stream>
std::optional<boost::beast::error_code> read_within(boost::asio::io_context& io, Stream& ws,
                                                    boost::beast::flat_buffer& buffer, std::chrono::milliseconds timeout) {
  bool done = false;
  boost::beast::error_code ec;
  buffer.clear();
  ws.async_read(buffer, [&](boost::beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  io.restart();
  io.run_for(timeout);
  if (!done) {
    boost::beast::get_lowest_layer(ws).cancel();
    io.restart();
    io.run();
    return std::nullopt;
  }
  return ec;
}

// Reads one WebSocket message, failing the test if none arrives in time.
// Returns the read's error (closed connections are not failures here).
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

namespace contactd::test {

template <class Stream>
boost::beast::error_code timed_read(boost::asio::io_context& io, Stream& ws, boost::beast::flat_buffer& buffer,
                                    std::chrono::milliseconds timeout) {
  auto ec = read_within(io, ws, buffer, timeout);
  if (!ec) FAIL("no frame from the server within " << timeout.count() << " ms");
  return ec.value_or(boost::beast::error_code{});
}

}  // namespace contactd::test
