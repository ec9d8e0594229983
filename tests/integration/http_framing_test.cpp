// HTTP framing and the WebSocket opening handshake under bad input (issue 11):
// every request this server could read differently from a proxy in front of
// it is answered with its status and `Connection: close`, and the connection
// is closed (RFC 9112 §6.1, §6.3, §5.2; RFC 6455 §4.2).
#include "world.h"

using namespace contactd::test;

namespace {

// Requires a single answer with `status`, then the connection closed.
void require_refused(std::uint16_t port, const std::string& request, int status) {
  auto r = raw_http(port, request);
  INFO(request.substr(0, 200) << "\n--- answer ---\n" << r.text.substr(0, 400));
  CHECK(r.status == status);
  CHECK(r.responses == 1);
  CHECK(r.has_header("Connection: close"));
  CHECK(r.closed);
}

std::string upgrade(const std::string& path, const std::string& key, const std::string& version,
                    const std::string& extra = "") {
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  if (!key.empty()) r += "Sec-WebSocket-Key: " + key + "\r\n";
  if (!version.empty()) r += "Sec-WebSocket-Version: " + version + "\r\n";
  return r + extra + "\r\n";
}

int upgrade_status(std::uint16_t port, const std::string& request) {
  return raw_http(port, request, std::chrono::milliseconds(1000)).status;
}

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455's example: 16 bytes

}  // namespace

TEST_CASE("R-SEC HTTP framing: oversized heads get 431, oversized bodies 413, then the connection is closed") {
  World w;
  require_refused(w.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n", 431);
  require_refused(w.port(), "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431);
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 800; ++i) many += "X-F" + std::to_string(i) + ": value\r\n";
  require_refused(w.port(), many + "\r\n", 431);
  require_refused(w.port(),
                  "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(2000, 'b'), 413);
  require_refused(w.port(),
                  "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2328\r\n" +
                      std::string(9000, 'c') + "\r\n0\r\n\r\n",
                  413);
}

TEST_CASE("R-SEC HTTP framing: ambiguous message framing gets 400 and a close, never a second request") {
  World w;
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  require_refused(w.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, 400);
  require_refused(w.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + smuggled,
                  400);
  require_refused(
      w.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n" + smuggled,
      400);
  require_refused(
      w.port(),
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" +
          smuggled,
      400);
  require_refused(
      w.port(),
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
          smuggled,
      400);
  require_refused(
      w.port(),
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\nabc" + smuggled, 400);
  require_refused(w.port(), "POST /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400);
  require_refused(w.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n" + smuggled, 400);
  require_refused(w.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab" + smuggled, 400);
  require_refused(w.port(),
                  "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" + smuggled,
                  400);
  require_refused(w.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n" + smuggled, 400);
  require_refused(w.port(), "GET /healthz HTTP/1.1\nHost: x\n\n" + smuggled, 400);
  require_refused(w.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n" + smuggled, 400);

  // Well-framed pipelined requests are still served one after the other.
  auto both = raw_http(w.port(), smuggled + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(both.responses == 2);
  CHECK(both.status == 200);
  CHECK(both.closed);
  auto chunked =
      raw_http(w.port(),
               "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n"
               "3\r\nabc\r\n0\r\n\r\n");
  CHECK(chunked.status == 405);  // read whole, then refused for its method
  CHECK(chunked.responses == 1);
}

TEST_CASE("R-SEC the WebSocket upgrade requires a valid Sec-WebSocket-Key (400) and version 13 (426)") {
  World w;
  CHECK(upgrade_status(w.port(), upgrade("/ws", kKey, "13")) == 101);
  CHECK(upgrade_status(w.port(), upgrade("/ws", "abc", "13")) == 400);
  CHECK(upgrade_status(w.port(), upgrade("/ws", "", "13")) == 400);
  CHECK(upgrade_status(w.port(), upgrade("/ws", "AAAAAAAAAAAAAAAAAAAA", "13")) == 400);      // 15 bytes
  CHECK(upgrade_status(w.port(), upgrade("/ws", "AAAAAAAAAAAAAAAAAAAAAAAA", "13")) == 400);  // 18 bytes
  CHECK(upgrade_status(w.port(), upgrade("/ws", "!!!!!!!!!!!!!!!!!!!!!A==", "13")) == 400);
  CHECK(upgrade_status(w.port(), upgrade("/webchat/v1", "not a key", "13")) == 400);
  auto old = raw_http(w.port(), upgrade("/ws", kKey, "8"), std::chrono::milliseconds(1000));
  CHECK(old.status == 426);
  CHECK(old.has_header("Sec-WebSocket-Version: 13"));
  CHECK(upgrade_status(w.port(), upgrade("/ws", kKey, "")) == 426);
}

TEST_CASE("R-SEC allowed_origins: browsers from other origins get 403 on /ws and /webchat/v1, no Origin passes") {
  DaemonOptions o;
  o.server_settings = {{"allowed_origins", R"(["https://agents.example.com", "https://www.example.com"])"}};
  World w(o);
  for (const std::string path : {"/ws", "/webchat/v1"}) {
    INFO(path);
    CHECK(upgrade_status(w.port(), upgrade(path, kKey, "13", "Origin: https://evil.example.net\r\n")) == 403);
    CHECK(upgrade_status(w.port(), upgrade(path, kKey, "13", "Origin: null\r\n")) == 403);
    CHECK(upgrade_status(w.port(), upgrade(path, kKey, "13", "Origin: https://agents.example.com\r\n")) == 101);
    CHECK(upgrade_status(w.port(), upgrade(path, kKey, "13", "Origin: https://www.example.com\r\n")) == 101);
    CHECK(upgrade_status(w.port(), upgrade(path, kKey, "13")) == 101);
  }
  // Without a list, any origin is accepted.
  World open;
  CHECK(upgrade_status(open.port(), upgrade("/ws", kKey, "13", "Origin: https://evil.example.net\r\n")) == 101);
}
