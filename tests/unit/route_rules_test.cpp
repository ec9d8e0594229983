// The route table's pure rules: which route serves a (method, path), what a
// 405 allows, query decoding and Range headers. No sockets: served requests
// are in tests/net.
#include <catch2/catch.hpp>

#include "net/routes.h"

using namespace contactd::net;

namespace {

BufferedHandler ignore() {
  return [](const RequestHead&, std::string, Responder) {};
}

}  // namespace

TEST_CASE("R-NET routes: exact paths beat prefixes, longer prefixes beat shorter, a wrong method lists Allow") {
  RouteTable t;
  t.buffered({"POST"}, "/hooks/*", BodyLimits{}, ignore());
  t.buffered({"POST", "PUT"}, "/hooks/meta/*", BodyLimits{}, ignore());
  t.buffered({"GET"}, "/hooks/meta/*", BodyLimits{}, ignore());
  t.buffered({"GET"}, "/hooks/status", BodyLimits{}, ignore());

  auto m = t.find("POST", "/hooks/gupshup/1");
  REQUIRE(m.route);
  CHECK(m.route->path == "/hooks/*");
  m = t.find("GET", "/hooks/meta/7");
  REQUIRE(m.route);
  CHECK(m.route->methods == std::vector<std::string>{"GET"});
  CHECK(t.find("PUT", "/hooks/meta/7").route->methods.size() == 2);
  CHECK(t.find("GET", "/hooks/status").route->path == "/hooks/status");

  auto wrong = t.find("DELETE", "/hooks/meta/7");
  CHECK_FALSE(wrong.route);
  CHECK(wrong.allow == "POST, PUT, GET");
  auto status = t.find("POST", "/hooks/status");  // the exact path decides, not the prefix under it
  CHECK_FALSE(status.route);
  CHECK(status.allow == "GET");
  auto missing = t.find("GET", "/nope");
  CHECK_FALSE(missing.route);
  CHECK(missing.allow.empty());
  CHECK_FALSE(t.find("POST", "/hook").route);  // a prefix matches from its own start only
}

TEST_CASE("R-NET routes: two routes for one method and path are refused when the table is built") {
  RouteTable t;
  t.buffered({"POST"}, "/x", BodyLimits{}, ignore());
  CHECK_THROWS_AS(t.buffered({"GET", "POST"}, "/x", BodyLimits{}, ignore()), std::logic_error);
  CHECK_NOTHROW(t.buffered({"GET"}, "/x", BodyLimits{}, ignore()));
}

TEST_CASE("R-NET query strings are split and percent-decoded, malformed escapes kept as sent") {
  auto q = decode_query("hub.mode=subscribe&hub.verify_token=a%20b+c&empty=&flag&&bad=%zz%4");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == Field{"hub.mode", "subscribe"});
  CHECK(q[1] == Field{"hub.verify_token", "a b c"});
  CHECK(q[2] == Field{"empty", ""});
  CHECK(q[3] == Field{"flag", ""});
  CHECK(q[4] == Field{"bad", "%zz%4"});

  RequestHead head;
  head.query = q;
  head.headers = {{"X-Hub-Signature-256", "sha256=ab"}};
  REQUIRE(head.parameter("hub.mode"));
  CHECK(*head.parameter("hub.mode") == "subscribe");
  CHECK_FALSE(head.parameter("HUB.MODE"));  // parameters are case-sensitive, header names are not
  REQUIRE(head.header("x-hub-signature-256"));
  CHECK(*head.header("x-hub-signature-256") == "sha256=ab");
}

TEST_CASE("R-NET Range: one range is served, past the end is unsatisfiable, anything else gets the whole file") {
  auto range = [](std::string_view h, std::uint64_t size) { return parse_range(h, size); };
  auto is = [](auto v, std::uint64_t first, std::uint64_t length) {
    const auto* r = std::get_if<ByteRange>(&v);
    return r && r->first == first && r->length == length;
  };
  CHECK(is(range("bytes=0-99", 1000), 0, 100));
  CHECK(is(range("bytes=900-", 1000), 900, 100));
  CHECK(is(range("bytes=900-5000", 1000), 900, 100));  // clamped to the end
  CHECK(is(range("bytes=-100", 1000), 900, 100));
  CHECK(is(range("bytes=-5000", 1000), 0, 1000));
  CHECK(is(range("Bytes=5-5", 1000), 5, 1));
  CHECK(std::holds_alternative<Unsatisfiable>(range("bytes=1000-", 1000)));
  CHECK(std::holds_alternative<Unsatisfiable>(range("bytes=-0", 1000)));
  CHECK(std::holds_alternative<Unsatisfiable>(range("bytes=0-", 0)));
  for (const char* whole : {"bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=a-b", "bytes=", "bytes=-",
                            "bytes=99999999999999999999-"})
    CHECK(std::holds_alternative<WholeBody>(range(whole, 1000)));
}
