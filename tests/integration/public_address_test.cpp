// R-SEC-5 for requests: a client told to reach public addresses only never
// connects to loopback, private or link-local ones, whatever the name.
#include "channels/public_address.h"
#include "harness/fake_http_server.h"
#include "http_client_world.h"

using namespace contactd::test;
using namespace contactd::channels;

TEST_CASE("R-SEC-5 public unicast addresses are told from loopback, private, link-local and special ones") {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "2a00:1450:4001:82b::200e", "2606:4700::6810:84e5",
                        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}) {
    INFO(a);
    CHECK(is_public_unicast(a));
  }
  for (const char* a : {"127.0.0.1", "127.255.0.7", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.10",
                        "198.18.0.1", "240.0.0.1", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
                        "2001:db8::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
                        "2002:7f00:1::1", "2002:c0a8:101::1", "::127.0.0.1", "localhost", "", "1.2.3",
                        "8.8.8.8:80", "[::1]", "fe80::1%eth0"}) {
    INFO(a);
    CHECK_FALSE(is_public_unicast(a));
  }
  CHECK(is_public_unicast("172.32.0.1"));   // just outside 172.16.0.0/12
  CHECK(is_public_unicast("100.128.0.1"));  // just outside 100.64.0.0/10
}

TEST_CASE("R-SEC-5 a client limited to public addresses does not connect to a loopback server, named or numeric") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::json(200, "{}"); });
  IoThread io;
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    HttpClientOptions o;
    o.base_url = "http://" + host + ":" + std::to_string(server.port());
    o.public_addresses_only = true;
    HttpClient client(io.io(), o);
    auto f = failure_of(call(client, "GET", "/media/1"));
    INFO(f.detail);
    CHECK(f.error == HttpError::forbidden_address);
    CHECK(f.delivery == HttpDelivery::not_sent);
  }
  CHECK(server.connections() == 0);
  // The same server is reached when the limit is off.
  HttpClientOptions open;
  open.base_url = "http://127.0.0.1:" + std::to_string(server.port());
  HttpClient client(io.io(), open);
  CHECK(std::holds_alternative<HttpResponse>(call(client, "GET", "/media/1")));
  CHECK(server.requests() == 1);
}
