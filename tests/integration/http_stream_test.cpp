// channels::HttpClient streaming against loopback servers: request bodies
// from an HttpBodySource (the multipart shape, a file between a head and a
// tail), answers to an HttpBodySink in chunks with a cap, and the typed
// failures of both (body_source not_sent, response_too_large and
// sink_refused maybe_sent).
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "harness/fake_http_server.h"
#include "harness/test_certificates.h"
#include "http_client_world.h"

using namespace contactd::test;
using namespace contactd::channels;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

std::string hex(const unsigned char* digest) {
  char out[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) std::snprintf(out + 2 * i, 3, "%02x", digest[i]);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return hex(digest);
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::string s(size, '\0');
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(s.data() + i, &r, std::min<std::size_t>(8, size - i));
  }
  return s;
}

// A file of its own, removed at the end.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& bytes) {
    char tmpl[] = "/tmp/contactd-body-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

// A sink that hashes what it is given and remembers the largest chunk.
struct HashingSink {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  std::uint64_t bytes{0};
  std::size_t largest_chunk{0};
  std::shared_ptr<HttpBodySink> sink(std::uint64_t cap) {
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    return std::make_shared<HttpBodySink>(
        HttpBodySink{cap, [this](std::string_view chunk) -> std::optional<std::string> {
                       EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size());
                       bytes += chunk.size();
                       largest_chunk = std::max(largest_chunk, chunk.size());
                       return std::nullopt;
                     }});
  }
  std::string digest() {
    unsigned char d[SHA256_DIGEST_LENGTH];
    EVP_DigestFinal_ex(ctx.get(), d, nullptr);
    return hex(d);
  }
};

// Answers every request with `file`: chunked (no Content-Length) for /chunked.
FakeHandler serving(std::shared_ptr<const std::string> file) {
  return [file](const FakeRequest& r) {
    FakeReply reply;
    reply.shared_body = file;
    reply.chunked = r.target == "/chunked";
    return reply;
  };
}

HttpClientOptions options_for(const FakeHttpServer& server) {
  HttpClientOptions o;
  o.base_url = server.base_url();
  o.request_timeout = 10s;
  return o;
}

HttpRequest get_to(std::shared_ptr<HttpBodySink> sink, std::string target = "/file") {
  HttpRequest r;
  r.target = std::move(target);
  r.sink = std::move(sink);
  return r;
}

// Fails after `good` bytes (or ends early when `fail` is false).
class BrokenSource final : public HttpBodySource {
 public:
  BrokenSource(std::uint64_t size, std::uint64_t good, bool fail) : size_(size), good_(good), fail_(fail) {}
  std::uint64_t size() const override { return size_; }
  std::variant<std::size_t, std::string> read(std::uint64_t offset, char* into, std::size_t capacity) override {
    if (offset >= good_) {
      if (fail_) return std::string("disk on fire");
      return std::size_t{0};
    }
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, good_ - offset));
    std::memset(into, 'b', n);
    return n;
  }

 private:
  std::uint64_t size_, good_;
  bool fail_;
};

}  // namespace

TEST_CASE("HTTP client: a streamed request body (head, file, tail) arrives whole, with its Content-Length") {
  const std::string file = random_bytes(5 * 1024 * 1024 + 123, 7);
  TempFile temp(file);
  std::mutex mu;
  std::string received_sha, content_length, transfer_encoding;
  std::size_t received_size = 0;
  FakeHttpServer server([&](const FakeRequest& r) {
    std::lock_guard lock(mu);
    received_sha = sha256_hex(r.body);
    received_size = r.body.size();
    content_length = r.header("Content-Length");
    transfer_encoding = r.header("Transfer-Encoding");
    return FakeReply::json(200, R"({"id":"1"})");
  });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  const std::string head = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  const std::string tail = "\r\n--b--\r\n";
  HttpRequest request;
  request.method = "POST";
  request.target = "/media";
  request.body_source = file_body_source(head, temp.path.string(), tail);
  CHECK(request.body_source->size() == head.size() + file.size() + tail.size());
  auto response = response_of(call(client, std::move(request)));
  CHECK(response.status == 200);
  {
    std::lock_guard lock(mu);
    CHECK(received_size == head.size() + file.size() + tail.size());
    CHECK(received_sha == sha256_hex(head + file + tail));
    CHECK(content_length == std::to_string(received_size));
    CHECK(transfer_encoding.empty());
  }
  // The connection is left clean: the next request goes over it.
  CHECK(response_of(call(client, "GET", "/next")).status == 200);
  CHECK(client.stats().connections_reused == 1);
}

TEST_CASE("HTTP client: file_body_source refuses a file it cannot open") {
  CHECK_THROWS_AS(file_body_source("", "/nonexistent/contactd/file", ""), std::system_error);
}

TEST_CASE("HTTP client: a body source that fails or ends early fails the request as not_sent (body_source)") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::json(200, "{}"); });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  for (bool fail : {true, false}) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/media";
    request.body_source = std::make_shared<BrokenSource>(4 * 1024 * 1024, 1024 * 1024, fail);
    auto f = failure_of(call(client, std::move(request)));
    CHECK(f.error == HttpError::body_source);
    CHECK(f.delivery == HttpDelivery::not_sent);
    CHECK_THAT(f.detail, Contains(fail ? "disk on fire" : "ended at byte 1048576 of 4194304"));
  }
  CHECK(server.requests() == 0);
  // The client still works.
  CHECK(response_of(call(client, "GET", "/after")).status == 200);
}

TEST_CASE(
    "HTTP client: a 2xx body streams to the sink in chunks of at most 64 KiB, intact, with or without Content-Length") {
  auto file = std::make_shared<const std::string>(random_bytes(6 * 1024 * 1024 + 17, 9));
  FakeHttpServer server(serving(file));
  IoThread io;
  auto o = options_for(server);
  o.max_response_body = 1000;  // the buffered limit does not apply to a sink
  HttpClient client(io.io(), o);
  for (const char* target : {"/plain", "/chunked"}) {
    HashingSink hashing;
    auto response = response_of(call(client, get_to(hashing.sink(8 * 1024 * 1024), target)));
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK(hashing.bytes == file->size());
    CHECK(hashing.digest() == sha256_hex(*file));
    CHECK(hashing.largest_chunk <= 64 * 1024);
  }
}

TEST_CASE(
    "HTTP client: a streamed answer over the sink's cap is aborted (response_too_large), the sink never past the cap") {
  auto file = std::make_shared<const std::string>(random_bytes(3 * 1024 * 1024, 11));
  FakeHttpServer server(serving(file));
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  const std::uint64_t cap = 1024 * 1024 + 5;
  {
    HashingSink hashing;  // announced by Content-Length: refused before any byte
    auto f = failure_of(call(client, get_to(hashing.sink(cap), "/plain")));
    CHECK(f.error == HttpError::response_too_large);
    CHECK(f.delivery == HttpDelivery::maybe_sent);
    CHECK(hashing.bytes == 0);
  }
  {
    HashingSink hashing;  // counted as it arrives: the sink gets up to the cap, then the transfer stops
    auto f = failure_of(call(client, get_to(hashing.sink(cap), "/chunked")));
    CHECK(f.error == HttpError::response_too_large);
    CHECK(f.delivery == HttpDelivery::maybe_sent);
    CHECK(hashing.bytes <= cap);
    CHECK(hashing.bytes > 0);
  }
  HashingSink roomy;
  CHECK(response_of(call(client, get_to(roomy.sink(file->size()), "/chunked"))).status == 200);
  CHECK(roomy.bytes == file->size());
}

TEST_CASE("HTTP client: a sink that refuses a chunk aborts the transfer (sink_refused, maybe_sent)") {
  auto file = std::make_shared<const std::string>(random_bytes(2 * 1024 * 1024, 13));
  FakeHttpServer server(serving(file));
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  std::uint64_t given = 0;
  auto sink = std::make_shared<HttpBodySink>(
      HttpBodySink{file->size(), [&](std::string_view chunk) -> std::optional<std::string> {
                     given += chunk.size();
                     if (given > 256 * 1024) return "disk full";
                     return std::nullopt;
                   }});
  auto f = failure_of(call(client, get_to(sink)));
  CHECK(f.error == HttpError::sink_refused);
  CHECK(f.delivery == HttpDelivery::maybe_sent);
  CHECK_THAT(f.detail, Contains("disk full"));
  CHECK(given < file->size());
}

TEST_CASE("HTTP client: a non-2xx answer's body stays in the response and the sink sees nothing") {
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::json(404, R"({"error":"no such media"})"); });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  HashingSink hashing;
  auto response = response_of(call(client, get_to(hashing.sink(1024 * 1024))));
  CHECK(response.status == 404);
  CHECK(response.body == R"({"error":"no such media"})");
  CHECK(hashing.bytes == 0);
}

TEST_CASE("HTTP client: over https a streamed upload and a streamed download share one kept-alive connection, intact") {
  const std::string file = random_bytes(3 * 1024 * 1024 + 5, 17);
  TempFile temp(file);
  auto served = std::make_shared<const std::string>(file);
  TestCertificates certs;
  std::mutex mu;
  std::string uploaded_sha;
  FakeHttpServer server(
      [&](const FakeRequest& r) {
        if (r.method == "POST") {
          std::lock_guard lock(mu);
          uploaded_sha = sha256_hex(r.body);
          return FakeReply::json(200, R"({"id":"1"})");
        }
        return serving(served)(r);
      },
      certs);
  IoThread io;
  auto o = options_for(server);
  o.ca_file = certs.ca_file();
  HttpClient client(io.io(), o);
  HttpRequest upload;
  upload.method = "POST";
  upload.target = "/media";
  upload.body_source = file_body_source("head", temp.path.string(), "tail");
  CHECK(response_of(call(client, std::move(upload))).status == 200);
  {
    std::lock_guard lock(mu);
    CHECK(uploaded_sha == sha256_hex("head" + file + "tail"));
  }
  HashingSink hashing;
  CHECK(response_of(call(client, get_to(hashing.sink(file.size()), "/chunked"))).status == 200);
  CHECK(hashing.digest() == sha256_hex(file));
  CHECK(server.connections() == 1);
  CHECK(client.stats().connections_reused == 1);
}

TEST_CASE(
    "HTTP client: a streamed request cut off before its last byte is not_sent, one read whole and then unanswered "
    "is maybe_sent") {
  // The fake reads at most 64 MiB: it closes on a larger Content-Length before reading the body.
  FakeHttpServer server([](const FakeRequest&) { return FakeReply::drop(); });
  IoThread io;
  HttpClient client(io.io(), options_for(server));
  HttpRequest big;
  big.method = "POST";
  big.target = "/media";
  big.body_source = std::make_shared<BrokenSource>(80ull << 20, 80ull << 20, true);
  auto cut = failure_of(call(client, std::move(big)));
  CHECK(cut.error == HttpError::connection_lost);
  CHECK(cut.delivery == HttpDelivery::not_sent);
  CHECK(server.requests() == 0);

  const std::string file = random_bytes(2 * 1024 * 1024, 19);
  TempFile temp(file);
  HttpRequest whole;
  whole.method = "POST";
  whole.target = "/media";
  whole.body_source = file_body_source("", temp.path.string(), "");
  auto lost = failure_of(call(client, std::move(whole)));
  CHECK(lost.error == HttpError::connection_lost);
  CHECK(lost.delivery == HttpDelivery::maybe_sent);
  CHECK(server.requests() == 1);
}
