// The transport's pure rules (issue 11): caps on unauthenticated connections,
// counted log throttling, RFC 9112 request framing and RFC 6455 handshake
// checks. No sockets: the daemon-level behaviour is in the integration tests.
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "net/admission.h"
#include "net/http_framing.h"
#include "net/log_throttle.h"
#include "net/ws_upgrade_check.h"

using namespace contactd::net;
namespace http = boost::beast::http;

namespace {

http::request<http::string_body> request_with(std::vector<std::pair<std::string, std::string>> fields,
                                              int version = 11) {
  http::request<http::string_body> r{http::verb::post, "/x", version};
  for (auto& [name, value] : fields) r.insert(name, value);
  return r;
}

}  // namespace

TEST_CASE(
    "R-SEC admission caps unauthenticated connections per address and in total, and a ticket frees its place once") {
  Admission a(4, 2);
  auto a1 = a.admit("10.0.0.1");
  auto a2 = a.admit("10.0.0.1");
  REQUIRE(a1);
  REQUIRE(a2);
  CHECK_FALSE(a.admit("10.0.0.1"));  // per address
  auto b1 = a.admit("10.0.0.2");
  auto b2 = a.admit("10.0.0.2");
  REQUIRE(b1);
  REQUIRE(b2);
  CHECK_FALSE(a.admit("10.0.0.3"));  // total
  CHECK(a.unauthenticated() == 4);
  a1->release();
  a1->release();  // idempotent
  CHECK(a.unauthenticated() == 3);
  a1.reset();  // destroying a released ticket does not release twice
  CHECK(a.unauthenticated() == 3);
  CHECK(a.admit("10.0.0.1"));  // the place it freed (the ticket dies at once)
  b1.reset();                  // closing frees the place too
  CHECK(a.unauthenticated() == 2);
  CHECK(a.admit("10.0.0.3"));
}

TEST_CASE("R-SEC default caps leave three quarters of the descriptors for logged-in users") {
  CHECK(default_max_unauthenticated(1024) == 256);
  CHECK(default_max_unauthenticated_per_address(256) == 32);
  CHECK(default_max_unauthenticated(40) == 16);
  CHECK(default_max_unauthenticated_per_address(16) == 8);
  CHECK(default_max_unauthenticated_per_address(4) == 4);
  CHECK(default_max_unauthenticated(1 << 20) == 10'000);  // a flood of 20,000 from one host stays bounded
  CHECK(default_max_unauthenticated_per_address(10'000) == 256);
}

TEST_CASE("R-SEC a throttled log writes one line per interval carrying the count of what it stands for") {
  LogThrottle t(std::chrono::seconds(10));
  const LogThrottle::Clock::time_point t0{};
  CHECK(t.note(t0) == 1u);
  for (int i = 1; i <= 999; ++i) CHECK_FALSE(t.note(t0 + std::chrono::milliseconds(i)));
  CHECK(t.note(t0 + std::chrono::seconds(10)) == 1000u);  // 999 suppressed and this one
  CHECK_FALSE(t.note(t0 + std::chrono::seconds(11)));
  CHECK(t.note(t0 + std::chrono::seconds(25)) == 2u);
}

TEST_CASE("R-SEC request framing: Transfer-Encoding must end in chunked, once, without Content-Length, in HTTP/1.1") {
  CHECK_FALSE(check_request_framing(request_with({{"Transfer-Encoding", "chunked"}}).base()));
  CHECK_FALSE(check_request_framing(request_with({{"Transfer-Encoding", "gzip, chunked"}}).base()));
  CHECK_FALSE(
      check_request_framing(request_with({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "Chunked"}}).base()));
  CHECK_FALSE(check_request_framing(request_with({{"Content-Length", "3"}}).base()));
  CHECK_FALSE(check_request_framing(request_with({}).base()));
  for (const char* bad : {"gzip", "chunked, gzip", "chunked, chunked", "", "identity"}) {
    INFO(bad);
    auto refusal = check_request_framing(request_with({{"Transfer-Encoding", bad}}).base());
    REQUIRE(refusal);
    CHECK(refusal->status == http::status::bad_request);
  }
  CHECK(check_request_framing(request_with({{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}).base()));
  CHECK(check_request_framing(request_with({{"Transfer-Encoding", "chunked"}}, 10).base()));
}

TEST_CASE("R-SEC request heads with obs-fold or bare LF are refused, blank lines before the request line are not") {
  CHECK_FALSE(check_request_head("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(check_request_head("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"));
  CHECK(check_request_head("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n"));
  CHECK(check_request_head("GET / HTTP/1.1\nHost: x\r\n\r\n"));
  CHECK(check_request_head("GET / HTTP/1.1\r\nHost: x\n\r\n"));
}

TEST_CASE("R-SEC parser errors map to 431, 413 and 400, and a vanished peer gets no answer") {
  CHECK(refusal_for_parse_error(http::error::header_limit)->status == http::status::request_header_fields_too_large);
  CHECK(refusal_for_parse_error(http::error::body_limit)->status == http::status::payload_too_large);
  for (auto e :
       {http::error::bad_transfer_encoding, http::error::bad_content_length, http::error::multiple_content_length,
        http::error::bad_field, http::error::bad_value, http::error::bad_chunk, http::error::bad_target,
        http::error::bad_method, http::error::bad_version, http::error::bad_line_ending})
    CHECK(refusal_for_parse_error(e)->status == http::status::bad_request);
  CHECK_FALSE(refusal_for_parse_error(http::error::end_of_stream));
  CHECK_FALSE(refusal_for_parse_error(http::error::partial_message));
  CHECK_FALSE(refusal_for_parse_error(boost::asio::error::connection_reset));
  CHECK_FALSE(refusal_for_parse_error(boost::beast::error::timeout));
}

TEST_CASE("R-SEC a Sec-WebSocket-Key is the base64 of exactly 16 bytes") {
  CHECK(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK_FALSE(is_valid_websocket_key(""));
  CHECK_FALSE(is_valid_websocket_key("abc"));
  CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAAA"));  // 18 bytes
  CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAB=="));  // non-zero padding bits
  CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAA!A=="));
  CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAA="));
}

TEST_CASE("R-SEC the upgrade requires version 13 and, with an allow-list, a listed Origin or none") {
  auto upgrade = [](std::vector<std::pair<std::string, std::string>> extra) {
    http::request<http::string_body> r{http::verb::get, "/ws", 11};
    r.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    r.set(http::field::sec_websocket_version, "13");
    for (auto& [name, value] : extra) r.set(name, value);
    return r;
  };
  const std::vector<std::string> none;
  const std::vector<std::string> list{"https://agents.example.com"};
  CHECK_FALSE(check_websocket_upgrade(upgrade({}), none));
  CHECK(check_websocket_upgrade(upgrade({{"Sec-WebSocket-Version", "8"}}), none)->status ==
        http::status::upgrade_required);
  CHECK(check_websocket_upgrade(upgrade({{"Sec-WebSocket-Key", "x"}}), none)->status == http::status::bad_request);
  CHECK_FALSE(check_websocket_upgrade(upgrade({{"Origin", "https://evil.example.net"}}), none));
  CHECK(check_websocket_upgrade(upgrade({{"Origin", "https://evil.example.net"}}), list)->status ==
        http::status::forbidden);
  CHECK_FALSE(check_websocket_upgrade(upgrade({{"Origin", "https://AGENTS.example.com"}}), list));
  CHECK_FALSE(check_websocket_upgrade(upgrade({}), list));
}
