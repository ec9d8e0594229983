// Fuzz target: HTTP/1.1 on the API port as server/net/http_session.cpp and
// http_body.cpp read it: the head with Beast's parser (no body limit yet),
// the framing checks and the RequestHead of net/http_framing.h, the route from
// a real net::RouteTable, then the body as the route takes it: whole up to
// the route's limit (buffered routes; 8 KiB for those that take none, 404 and
// 405), or in chunks through a buffer_body parser (a streaming route), an
// upgrade handed to Beast's WebSocket accept. Requests are read one after
// another on one connection, as the session does.
//
// Checks besides the sanitizers: no body larger than its route's limit gets
// through, no chunk larger than the chunk buffer, the head's path is the
// target's up to '?', a Range header never selects bytes past the end.
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

#include "net/http_framing.h"
#include "net/routes.h"
#include "net/ws_upgrade_check.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = contactd::net;

namespace {

constexpr int kMaxRequestsPerInput = 64;
constexpr std::size_t kFuzzChunkBytes = 512;  // the session uses net::kChunkBytes; smaller loops more here
constexpr std::uint64_t kFileSize = 10000;    // what a Range applies to

void ignore(const net::RequestHead&, std::string, net::Responder) {}

struct NoFrames final : net::FrameHandler {  // only looked up, never called
  void on_frame(const net::PeerPtr&, std::string_view, bool) override {}
  void on_closed(const net::PeerPtr&) override {}
};

const net::RouteTable& routes() {
  static const net::RouteTable table = [] {
    static NoFrames none;
    net::RouteTable t;
    t.buffered({"POST"}, "/hooks/*", net::BodyLimits{2048}, ignore);
    t.buffered({"GET"}, "/media/*", net::BodyLimits{}, ignore);
    t.streaming({"POST", "PUT"}, "/upload", net::BodyLimits{16384}, [](const net::RequestHead&, net::StreamDecision) {});
    t.websocket("/ws", none, true);
    t.page("/healthz", "application/json", "{}");
    return t;
  }();
  return table;
}

void accept_websocket(asio::io_context& io, http::request<http::string_body> request) {
  beast::test::stream local(io);
  beast::test::stream remote = beast::test::connect(local);
  websocket::stream<beast::test::stream> ws(std::move(local));
  beast::error_code ec;
  ws.accept(request, ec);
  // Whatever Beast decides about a request our check let through, what it
  // writes is an HTTP/1.1 answer (101 on success; crafted headers can get a
  // refusal without an error code, which is Beast's call, not an invariant).
  if (!ec && !remote.str().empty() && remote.str().substr(0, 9) != "HTTP/1.1 ") std::abort();
}

// The body whole, at most `limit`; false when the session would stop here.
bool read_whole(beast::test::stream& client, beast::flat_buffer& buffer,
                http::request_parser<http::empty_body>& head, std::uint64_t limit,
                http::request<http::string_body>* out) {
  if (head.content_length().value_or(0) > limit) return false;  // 413
  http::request_parser<http::string_body> parser(std::move(head));
  parser.body_limit(limit);
  beast::error_code ec;
  http::read(client, buffer, parser, ec);
  if (ec) return false;
  if (!parser.is_done() || parser.get().body().size() > limit) std::abort();
  *out = parser.release();
  return true;
}

// The body in chunks; false when the upload is aborted.
bool read_chunks(beast::test::stream& client, beast::flat_buffer& buffer,
                 http::request_parser<http::empty_body>& head, std::uint64_t limit) {
  if (head.content_length().value_or(0) > limit) return false;  // 413 before the handler
  http::request_parser<http::buffer_body> parser(std::move(head));
  parser.body_limit(limit);
  char chunk[kFuzzChunkBytes];
  std::uint64_t total = 0;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    beast::error_code ec;
    http::read(client, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return false;
    const std::size_t got = sizeof chunk - parser.get().body().size;
    if (got > sizeof chunk) std::abort();
    total += got;
    if (total > limit) std::abort();
  }
  return true;
}

void check_head(const net::RequestHead& head) {
  if (head.target.substr(0, head.path.size()) != head.path) std::abort();
  if (head.path.find('?') != std::string::npos) std::abort();
  if (const std::string* range = head.header("Range")) {
    const auto r = net::parse_range(*range, kFileSize);
    if (const auto* byte_range = std::get_if<net::ByteRange>(&r))
      if (byte_range->length == 0 || byte_range->first + byte_range->length > kFileSize) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  asio::io_context io;
  beast::test::stream client(io);
  if (data[0] != 0) client.read_size(data[0]);
  client.append(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  client.close_remote();  // the client has sent everything: then end of stream

  beast::flat_buffer buffer;
  for (int n = 0; n < kMaxRequestsPerInput; ++n) {
    http::request_parser<http::empty_body> head_parser;
    head_parser.header_limit(static_cast<std::uint32_t>(net::kMaxRequestHeadBytes));
    head_parser.body_limit(boost::none);
    beast::error_code ec;
    http::read_header(client, buffer, head_parser, ec);
    if (ec) return 0;  // end of stream, or a framing error: the session stops reading
    if (net::check_request_framing(head_parser.get().base())) return 0;
    const net::RequestHead head =
        net::request_head_of(head_parser.get().base(), head_parser.content_length(), "192.0.2.1");
    check_head(head);
    const bool keep_alive = head_parser.get().keep_alive();
    const bool upgrading = websocket::is_upgrade(head_parser.get());
    const auto match = routes().find(head.method, head.path);
    if (match.route && std::holds_alternative<net::StreamingHandler>(match.route->handler) && !upgrading) {
      if (!read_chunks(client, buffer, head_parser, match.route->limits.max_bytes)) return 0;
    } else {
      const bool served = match.route && !upgrading == !std::holds_alternative<net::WebSocketEndpoint>(match.route->handler);
      const std::uint64_t limit = served ? match.route->limits.max_bytes : net::kSmallBodyBytes;
      http::request<http::string_body> request;
      if (!read_whole(client, buffer, head_parser, limit, &request)) return 0;
      if (served && upgrading) {
        // As the session does: the transport's own upgrade check first (what
        // it refuses never reaches Beast's accept).
        if (net::check_websocket_upgrade(request, {})) return 0;
        accept_websocket(io, std::move(request));
        return 0;  // the connection is a WebSocket now
      }
    }
    if (!keep_alive) return 0;
  }
  return 0;
}
