// channels::HttpClient against loopback servers: keep-alive reuse, the
// not_sent / maybe_sent split, stale connections, TLS, limits, Retry-After.
#include <boost/asio/ip/tcp.hpp>
#include <mutex>

#include "harness/fake_http_server.h"
#include "harness/test_certificates.h"
#include "http_client_world.h"

using namespace contactd::test;
using namespace contactd::channels;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

FakeReply echo(const FakeRequest& r) {
  return FakeReply::json(200, R"({"method":")" + r.method + R"(","target":")" + r.target + "\"}");
}

HttpClientOptions options_for(const FakeHttpServer& server) {
  HttpClientOptions o;
  o.base_url = server.base_url();
  o.request_timeout = 3s;
  return o;
}

// A loopback port nothing listens on.
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// Polls `done` for up to 3 s (no call after it returned true).
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Closes the server's idle connection (its session may still be finishing
// the write the client already read).
bool close_idle(FakeHttpServer& server) {
  return eventually([&] { return server.close_idle_connections() == 1; });
}

// What a client trusting `ca_file` gets from an https server with `certs`:
// a TLS failure before any request was sent.
HttpFailure https_failure(const TestCertificates& certs, const std::string& ca_file) {
  FakeHttpServer server(echo, certs);
  IoThread io;
  auto o = options_for(server);
  o.ca_file = ca_file;
  HttpClient client(io.io(), o);
  auto f = failure_of(call(client, "POST", "/one", "{}"));
  CHECK(f.error == HttpError::tls);
  CHECK(f.delivery == HttpDelivery::not_sent);
  CHECK(server.requests() == 0);
  return f;
}

}  // namespace

TEST_CASE("HTTP client: two sequential requests use one kept-alive connection") {
  FakeHttpServer server(echo);
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  auto first = response_of(call(client, "GET", "/one"));
  auto second = response_of(call(client, "POST", "/two", "{}"));
  CHECK(first.status == 200);
  CHECK(second.body == R"({"method":"POST","target":"/two"})");
  CHECK(server.connections() == 1);
  CHECK(server.requests() == 2);
  CHECK(client.stats().connections_opened == 1);
  CHECK(client.stats().connections_reused == 1);
  CHECK(client.stats().requests == 2);
}

TEST_CASE("HTTP client: the base URL's path prefixes targets, default headers go with every request") {
  std::mutex mu;
  std::vector<FakeRequest> seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return echo(r);
  });
  IoThread io;
  auto o = options_for(server);
  o.base_url += "/api/";
  o.default_headers = {{"Authorization", "Bearer secret"}, {"X-Trace", "default"}};
  HttpClient client(io.io(), o);
  response_of(call(client, "POST", "/v21.0/1/messages?x=1", "body", {{"X-Trace", "mine"}}));
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target == "/api/v21.0/1/messages?x=1");
  CHECK(seen[0].header("Authorization") == "Bearer secret");
  CHECK(seen[0].header("X-Trace") == "mine");
  CHECK(seen[0].header("Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].body == "body");
}

TEST_CASE("HTTP client: connection refused is a not_sent failure") {
  IoThread io;
  HttpClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(closed_port());
  HttpClient client(io.io(), o);
  auto f = failure_of(call(client, "POST", "/messages", "{}"));
  CHECK(f.error == HttpError::connect);
  CHECK(f.delivery == HttpDelivery::not_sent);
  CHECK_THAT(f.detail, Contains("connect"));
  CHECK(client.stats().failures == 1);
}

TEST_CASE("HTTP client: a server that accepts but never completes TLS is a not_sent connect timeout") {
  boost::asio::io_context mute;
  boost::asio::ip::tcp::acceptor listener(mute, {boost::asio::ip::make_address("127.0.0.1"), 0});  // never accepts
  IoThread io;
  HttpClientOptions o;
  o.base_url = "https://127.0.0.1:" + std::to_string(listener.local_endpoint().port());
  o.connect_timeout = 300ms;
  HttpClient client(io.io(), o);
  const auto started = std::chrono::steady_clock::now();
  auto f = failure_of(call(client, "POST", "/messages", "{}"));
  CHECK(f.error == HttpError::connect_timeout);
  CHECK(f.delivery == HttpDelivery::not_sent);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("HTTP client: a server that reads the request and hangs is a maybe_sent timeout") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::hang(); });
  IoThread io;
  auto o = options_for(server);
  o.request_timeout = 300ms;
  HttpClient client(io.io(), o);
  const auto started = std::chrono::steady_clock::now();
  auto f = failure_of(call(client, "POST", "/messages", "{}"));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(f.error == HttpError::timeout);
  CHECK(f.delivery == HttpDelivery::maybe_sent);
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  CHECK(server.requests() == 1);
}

TEST_CASE("HTTP client: a server that drops the connection after reading the request is maybe_sent") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::drop(); });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  auto f = failure_of(call(client, "POST", "/messages", "{}"));
  CHECK(f.error == HttpError::connection_lost);
  CHECK(f.delivery == HttpDelivery::maybe_sent);
  CHECK(client.stats().resent == 0);  // a fresh connection: nothing to blame on keep-alive
}

TEST_CASE("HTTP client: an idle connection the server closed is dropped, the next request goes on a new one") {
  FakeHttpServer server(echo);
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  response_of(call(client, "POST", "/one", "{}"));
  CHECK(close_idle(server));
  // The idle connection's watch notices the close without a request.
  CHECK(eventually([&] { return client.stats().stale_dropped == 1; }));
  auto second = response_of(call(client, "POST", "/two", "{}"));
  CHECK(second.status == 200);
  CHECK(server.connections() == 2);
  CHECK(server.requests() == 2);
  CHECK(client.stats().connections_reused == 0);
  CHECK(client.stats().resent == 0);
}

TEST_CASE("HTTP client: right after the server closes an idle connection, a request still succeeds") {
  FakeHttpServer server(echo);
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  for (int i = 0; i < 20; ++i) {
    response_of(call(client, "POST", "/one", "{}"));
    CHECK(close_idle(server));
    // Checked (or written, and resent) before anything could reach the server.
    CHECK(response_of(call(client, "POST", "/two", "{}")).status == 200);
    CHECK(close_idle(server));
  }
  CHECK(server.requests() == 40);
}

TEST_CASE("HTTP client: a kept-alive connection closed before any answer resends a GET once, not a POST") {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const FakeRequest& r) { return ++n == 2 ? FakeReply::drop() : echo(r); });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  SECTION("GET") {
    response_of(call(client, "GET", "/one"));
    CHECK(response_of(call(client, "GET", "/two")).status == 200);
    CHECK(client.stats().resent == 1);
    CHECK(server.requests() == 3);
    CHECK(server.connections() == 2);
  }
  SECTION("POST") {
    response_of(call(client, "POST", "/one", "{}"));
    auto f = failure_of(call(client, "POST", "/two", "{}"));
    CHECK(f.delivery == HttpDelivery::maybe_sent);
    CHECK(client.stats().resent == 0);
    CHECK(server.requests() == 2);
  }
}

TEST_CASE("HTTP client: the pool is bounded: a request waiting for a connection past its timeout is not_sent") {
  FakeHttpServer server([](const FakeRequest& r) { return r.target == "/hang" ? FakeReply::hang() : echo(r); });
  IoThread io;
  auto o = options_for(server);
  o.max_connections = 1;
  HttpClient client(io.io(), o);
  std::promise<HttpResult> hung;
  client.request(HttpRequest{"POST", "/hang", {}, "{}", 1s}, [&](HttpResult r) { hung.set_value(std::move(r)); });
  auto f = failure_of(call(client, HttpRequest{"POST", "/next", {}, "{}", 200ms}));
  CHECK(f.error == HttpError::timeout);
  CHECK(f.delivery == HttpDelivery::not_sent);
  CHECK(failure_of(hung.get_future().get()).delivery == HttpDelivery::maybe_sent);
  CHECK(server.connections() == 1);
  // The slot is free again.
  CHECK(response_of(call(client, "GET", "/after")).status == 200);
}

TEST_CASE("HTTP client: concurrent requests from several threads share at most max_connections") {
  FakeHttpServer server(echo);
  IoThread io;
  auto o = options_for(server);
  o.max_connections = 3;
  HttpClient client(io.io(), o);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {  // no Catch macros off the main thread
        std::promise<HttpResult> done;
        client.request("POST", "/m", {}, "{}", [&](HttpResult r) { done.set_value(std::move(r)); });
        auto r = done.get_future().get();
        if (auto* res = std::get_if<HttpResponse>(&r)) ok += res->status == 200;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 100);
  CHECK(server.connections() <= 3);
  CHECK(client.stats().connections_reused >= 97);
}

TEST_CASE("HTTP client: a response body over the limit is refused (maybe_sent)") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::json(200, std::string(2000, 'x')); });
  IoThread io;
  auto o = options_for(server);
  o.max_response_body = 1000;
  HttpClient client(io.io(), o);
  auto f = failure_of(call(client, "GET", "/big"));
  CHECK(f.error == HttpError::response_too_large);
  CHECK(f.delivery == HttpDelivery::maybe_sent);
  o.max_response_body = 2000;
  HttpClient roomy(io.io(), o);
  CHECK(response_of(call(roomy, "GET", "/big")).body.size() == 2000);
}

TEST_CASE("HTTP client: https with the server's CA works and keeps the connection") {
  TestCertificates certs;
  FakeHttpServer server(echo, certs);
  IoThread io;
  auto o = options_for(server);
  o.ca_file = certs.ca_file();
  HttpClient client(io.io(), o);
  CHECK(response_of(call(client, "POST", "/one", "{}")).status == 200);
  CHECK(response_of(call(client, "POST", "/two", "{}")).status == 200);
  CHECK(server.connections() == 1);
  CHECK(client.stats().connections_reused == 1);
}

TEST_CASE("HTTP client: https with another CA fails the handshake (not_sent)") {
  TestCertificates certs;
  TestCertificates other;
  auto f = https_failure(certs, other.ca_file());
  CHECK_THAT(f.detail, Contains("TLS handshake") && Contains("certificate verify failed"));
}

TEST_CASE("HTTP client: https to a certificate for another host fails (not_sent)") {
  TestCertificates certs("DNS:provider.example");
  auto f = https_failure(certs, certs.ca_file());
  CHECK_THAT(f.detail, Contains("IP address mismatch"));
}

TEST_CASE("HTTP client: a bad base URL or CA file is refused at construction") {
  IoThread io;
  CHECK_THROWS_AS(HttpClient(io.io(), HttpClientOptions{"ftp://example.org"}), std::invalid_argument);
  HttpClientOptions o{"https://127.0.0.1:1"};
  o.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_AS(HttpClient(io.io(), o), std::invalid_argument);
  CHECK_FALSE(check_ca_file("/nonexistent/ca.pem").empty());
}

TEST_CASE("HTTP client: requests still waiting when the client is destroyed fail with shut_down") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::hang(); });
  IoThread io;
  auto o = options_for(server);
  o.max_connections = 1;
  std::promise<HttpResult> waiting;
  {
    HttpClient client(io.io(), o);
    client.request(HttpRequest{"POST", "/a", {}, "{}", 500ms}, [](HttpResult) {});
    client.request(HttpRequest{"POST", "/b", {}, "{}", 5s}, [&](HttpResult r) { waiting.set_value(std::move(r)); });
  }
  auto result = waiting.get_future();
  REQUIRE(result.wait_for(3s) == std::future_status::ready);
  auto f = failure_of(result.get());
  CHECK(f.error == HttpError::shut_down);
  CHECK(f.delivery == HttpDelivery::not_sent);
}

TEST_CASE("HTTP client: Retry-After as seconds or as any HTTP-date") {
  using std::chrono::seconds;
  using std::chrono::sys_days;
  using namespace std::chrono;
  const auto now = sys_days(1994y / November / 6) + 8h + 49min + 7s;  // 30 s before 08:49:37
  CHECK(parse_retry_after("120", now) == seconds(120));
  CHECK(parse_retry_after(" 0 ", now) == seconds(0));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == seconds(30));
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == seconds(30));
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == seconds(30));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == seconds(0));  // past
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("12s", now));
  CHECK_FALSE(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", now));
  CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now));
}
