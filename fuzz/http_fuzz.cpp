// Fuzz target: HTTP/1.1 framing on the API port. Beast's request parser with
// the limits server/api/http_session.cpp sets (body_limit 8 KiB, Beast's
// default 8 KiB header limit), reading requests one after another on one
// connection as the session does, and handing an upgrade to Beast's WebSocket
// accept as the session does for /ws.
//
// Input: byte 0 is how many bytes each read returns (0: all there are), so
// requests split across TCP segments are covered; the rest is what the client
// sent.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// As in server/api/http_session.cpp.
constexpr std::size_t kMaxRequestBodyBytes = 8 * 1024;
constexpr int kMaxRequestsPerInput = 64;

void accept_websocket(net::io_context& io, http::request<http::string_body> request) {
  beast::test::stream local(io);
  beast::test::stream remote = beast::test::connect(local);
  websocket::stream<beast::test::stream> ws(std::move(local));
  beast::error_code ec;
  ws.accept(request, ec);
  if (!ec && remote.str().substr(0, 12) != "HTTP/1.1 101") std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  net::io_context io;
  beast::test::stream client(io);
  if (data[0] != 0) client.read_size(data[0]);
  client.append(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  client.close_remote();  // the client has sent everything: then end of stream

  beast::flat_buffer buffer;
  for (int n = 0; n < kMaxRequestsPerInput; ++n) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBodyBytes);
    beast::error_code ec;
    http::read(client, buffer, parser, ec);
    if (ec) return 0;  // end of stream, or a framing error: the session stops reading
    if (!parser.is_done()) std::abort();
    auto request = parser.release();
    if (request.body().size() > kMaxRequestBodyBytes) std::abort();
    if (websocket::is_upgrade(request)) {
      accept_websocket(io, std::move(request));
      return 0;  // the connection is a WebSocket now
    }
    (void)request.target();
    if (!request.keep_alive()) return 0;
  }
  return 0;
}
