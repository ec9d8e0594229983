// The route table served by a real net::Server on loopback, in-process:
// buffered POSTs and their limit, 404/405, a streaming upload read in
// acknowledged chunks, an upload aborted by its client, and files with Range.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "net/server.h"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace contactd::net;
using namespace std::chrono_literals;

namespace {

// A server with the given routes on an ephemeral loopback port, run by one
// thread until the fixture goes.
class Served {
 public:
  explicit Served(const std::function<void(RouteTable&)>& routes, std::chrono::seconds handshake_timeout = 10s)
      : server_(io_, options(handshake_timeout), [] { return Readiness{true, "{}"}; }) {
    routes(server_.routes());
    port_ = server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Served() {
    server_.stop("test over");
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  static ServerOptions options(std::chrono::seconds handshake_timeout) {
    ServerOptions o;
    o.port = 0;
    o.handshake_timeout = handshake_timeout;
    return o;
  }
  asio::io_context io_;
  Server server_;
  std::uint16_t port_{0};
  std::thread thread_;
};

struct Reply {
  int status{0};
  http::response<http::string_body> message;
  std::string header(http::field f) const { return std::string(message[f]); }
};

tcp::socket connect(std::uint16_t port, asio::io_context& io) {
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// Sends `raw` and reads one response (0 when none came).
Reply exchange(std::uint16_t port, const std::string& raw) {
  asio::io_context io;
  auto s = connect(port, io);
  asio::write(s, asio::buffer(raw));
  Reply r;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::system::error_code ec;
  http::read(s, buffer, parser, ec);
  if (ec) return r;
  r.message = parser.release();
  r.status = r.message.result_int();
  return r;
}

std::string request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& extra = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + extra;
  if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// Waits for a flag set by the server's thread.
class Signal {
 public:
  void set() {
    std::lock_guard lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds limit = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_{false};
};

// Records an upload; acknowledges each chunk from another thread, after a
// moment, to prove that nothing more is read meanwhile.
class RecordingSink final : public BodySink {
 public:
  void on_chunk(std::string_view bytes, ChunkAck ack) override {
    {
      std::lock_guard lock(mu);
      if (waiting_ack) overlapped = true;
      waiting_ack = true;
      chunk_sizes.push_back(bytes.size());
      for (char c : bytes) checksum = checksum * 31 + static_cast<unsigned char>(c);
      total += bytes.size();
    }
    std::thread([this, ack] {
      std::this_thread::sleep_for(1ms);
      {
        std::lock_guard lock(mu);
        waiting_ack = false;
      }
      ack();
    }).detach();
  }
  void on_end(Responder responder) override {
    {
      std::lock_guard lock(mu);
      ended = true;
    }
    responder.respond(Response::text(201, "stored " + std::to_string(total) + "\n"));
    done.set();
  }
  void on_abort(std::string_view why) override {
    {
      std::lock_guard lock(mu);
      aborted = std::string(why);
    }
    done.set();
  }

  std::mutex mu;
  std::vector<std::size_t> chunk_sizes;
  std::uint64_t total{0};
  std::uint64_t checksum{0};
  bool waiting_ack{false};
  bool overlapped{false};
  bool ended{false};
  std::string aborted;
  Signal done;
};

std::uint64_t checksum_of(const std::string& s) {
  std::uint64_t sum = 0;
  for (char c : s) sum = sum * 31 + static_cast<unsigned char>(c);
  return sum;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  return s;
}

}  // namespace

TEST_CASE("R-NET a buffered POST route gets the body, query and head, and answers from another thread") {
  std::atomic<int> calls{0};
  Served s([&](RouteTable& t) {
    t.buffered({"POST"}, "/hooks/*", BodyLimits{1024}, [&](const RequestHead& head, std::string body, Responder r) {
      ++calls;
      std::string echo = head.method + " " + head.path + " " + body + " " +
                         (head.parameter("k") ? *head.parameter("k") : "-") + " " +
                         (head.header("x-sig") ? *head.header("x-sig") : "-") + " " + head.peer_address;
      std::thread([r, echo] { r.respond(Response::json(200, echo)); }).detach();
    });
  });
  auto ok = exchange(s.port(), request("POST", "/hooks/meta?k=a%20b", "hello", "X-Sig: abc\r\n"));
  CHECK(ok.status == 200);
  CHECK(ok.message.body() == "POST /hooks/meta hello a b abc 127.0.0.1");
  CHECK(ok.header(http::field::content_type) == "application/json");

  SECTION("over the route's limit: 413 and the handler is not called") {
    calls = 0;
    auto big = exchange(s.port(), request("POST", "/hooks/meta", std::string(2000, 'x')));
    CHECK(big.status == 413);
    auto chunked = exchange(s.port(), "POST /hooks/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "800\r\n" + std::string(2048, 'y') + "\r\n0\r\n\r\n");
    CHECK(chunked.status == 413);
    CHECK(calls == 0);
  }
  SECTION("a wrong method: 405 with Allow. an unknown path: 404") {
    calls = 0;
    auto wrong = exchange(s.port(), request("GET", "/hooks/meta"));
    CHECK(wrong.status == 405);
    CHECK(wrong.header(http::field::allow) == "POST");
    CHECK(exchange(s.port(), request("POST", "/nowhere", "x")).status == 404);
    CHECK(exchange(s.port(), request("GET", "/healthz")).status == 200);
    CHECK(calls == 0);
  }
}

TEST_CASE("R-NET a responder dropped unanswered sends 500, and a second answer is ignored") {
  std::promise<bool> second;
  Served s([&](RouteTable& t) {
    t.buffered({"POST"}, "/drop", BodyLimits{}, [](const RequestHead&, std::string, Responder) {});
    t.buffered({"POST"}, "/twice", BodyLimits{}, [&](const RequestHead&, std::string, Responder r) {
      r.respond(Response::text(200, "first\n"));
      second.set_value(r.respond(Response::text(500, "second\n")));
    });
  });
  CHECK(exchange(s.port(), request("POST", "/drop", "x")).status == 500);
  auto twice = exchange(s.port(), request("POST", "/twice", "x"));
  CHECK(twice.status == 200);
  CHECK(twice.message.body() == "first\n");
  CHECK(second.get_future().get() == false);
}

TEST_CASE("R-NET a streaming route reads a multi-megabyte upload in acknowledged chunks of at most 64 KiB") {
  auto sink = std::make_shared<RecordingSink>();
  std::string seen_type;
  Served s([&](RouteTable& t) {
    t.streaming({"POST"}, "/upload", BodyLimits{16 * 1024 * 1024}, [&](const RequestHead& head, StreamDecision d) {
      seen_type = head.header("Content-Type") ? *head.header("Content-Type") : "";
      d.accept(sink);
    });
  });
  const std::string body = pattern(5 * 1024 * 1024 + 123);
  SECTION("with a Content-Length") {
    auto r = exchange(s.port(), request("POST", "/upload", body, "Content-Type: video/mp4\r\n"));
    CHECK(r.status == 201);
    CHECK(seen_type == "video/mp4");
  }
  SECTION("chunked, waiting for 100 Continue") {
    asio::io_context io;
    auto sock = connect(s.port(), io);
    asio::write(sock, asio::buffer(std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                               "Expect: 100-continue\r\n\r\n")));
    std::string interim(25, '\0');
    asio::read(sock, asio::buffer(interim));
    CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    for (std::size_t at = 0; at < body.size(); at += 100000) {
      const auto piece = body.substr(at, 100000);
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      asio::write(sock, asio::buffer(size + piece + "\r\n"));
    }
    asio::write(sock, asio::buffer(std::string("0\r\n\r\n")));
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(sock, buffer, res);
    CHECK(res.result_int() == 201);
  }
  REQUIRE(sink->done.wait());
  std::lock_guard lock(sink->mu);
  CHECK(sink->ended);
  CHECK(sink->total == body.size());
  CHECK(sink->checksum == checksum_of(body));
  CHECK_FALSE(sink->overlapped);  // the next chunk only after the last was acknowledged
  REQUIRE(sink->chunk_sizes.size() >= body.size() / kChunkBytes);
  for (auto n : sink->chunk_sizes) CHECK(n <= kChunkBytes);
}

TEST_CASE("R-NET a streaming route may refuse on the head alone: its answer is sent and no body is read") {
  std::atomic<bool> accepted{false};
  Served s([&](RouteTable& t) {
    t.streaming({"PUT"}, "/upload/*", BodyLimits{1024 * 1024}, [&](const RequestHead& head, StreamDecision d) {
      if (head.path != "/upload/mine") return d.refuse(Response::text(403, "not yours\n")), void();
      accepted = true;
      d.accept(std::make_shared<RecordingSink>());
    });
  });
  auto r = exchange(s.port(), "PUT /upload/theirs HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\nzzz");
  CHECK(r.status == 413);  // known to be over the limit: refused before the handler
  r = exchange(s.port(), request("PUT", "/upload/theirs", std::string(5000, 'z')));
  CHECK(r.status == 403);
  CHECK(r.header(http::field::connection) == "close");
  CHECK_FALSE(accepted);

  // Without a body there is nothing left unread: the connection serves the next request.
  asio::io_context io;
  auto sock = connect(s.port(), io);
  asio::write(sock, asio::buffer(request("PUT", "/upload/theirs", "", "Content-Length: 0\r\n") +
                                 request("GET", "/healthz")));
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> first, second;
  http::read(sock, buffer, first);
  http::read(sock, buffer, second);
  CHECK(first.result_int() == 403);
  CHECK(second.result_int() == 200);
}

TEST_CASE("R-NET a streaming upload is aborted when its client disconnects, stops sending or goes over the limit") {
  auto sink = std::make_shared<RecordingSink>();
  Served s(
      [&](RouteTable& t) {
        t.streaming({"POST"}, "/upload", BodyLimits{1024 * 1024}, [&](const RequestHead&, StreamDecision d) {
          d.accept(sink);
        });
      },
      /*handshake_timeout=*/1s);
  asio::io_context io;
  auto sock = connect(s.port(), io);
  SECTION("disconnect") {
    asio::write(sock, asio::buffer("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                                   std::string(200000, 'q')));
    sock.close();
    REQUIRE(sink->done.wait());
    std::lock_guard lock(sink->mu);
    CHECK(sink->aborted == "the client went away");
  }
  SECTION("stalled") {
    asio::write(sock, asio::buffer("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                                   std::string(10, 'q')));
    REQUIRE(sink->done.wait(4000ms));
    std::lock_guard lock(sink->mu);
    CHECK(sink->aborted == "the client stopped sending");
  }
  SECTION("chunked past the limit") {
    asio::write(sock, asio::buffer(std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")));
    const std::string piece = "80000\r\n" + std::string(0x80000, 'w') + "\r\n";
    boost::system::error_code ec;
    for (int i = 0; i < 3 && !ec; ++i) asio::write(sock, asio::buffer(piece), ec);
    REQUIRE(sink->done.wait());
    std::lock_guard lock(sink->mu);
    CHECK(sink->aborted == "the body is larger than the route allows");
    CHECK(sink->total <= 1024 * 1024);
  }
  CHECK_FALSE(sink->ended);
}

TEST_CASE("R-NET a file response streams the file, honours one Range with 206 and answers 416 past the end") {
  const auto dir = std::filesystem::temp_directory_path() / ("contactd-net-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string content = pattern(300000);
  std::ofstream(dir / "voice.ogg", std::ios::binary) << content;
  Served s([&](RouteTable& t) {
    t.buffered({"GET"}, "/media/*", BodyLimits{}, [&](const RequestHead& head, std::string, Responder r) {
      r.respond(FileResponse{(dir / head.path.substr(7)).string(), "audio/ogg", "inline; filename=\"voice.ogg\"", {}});
    });
  });
  auto whole = exchange(s.port(), request("GET", "/media/voice.ogg"));
  CHECK(whole.status == 200);
  CHECK(whole.message.body() == content);
  CHECK(whole.header(http::field::content_type) == "audio/ogg");
  CHECK(whole.header(http::field::content_disposition) == "inline; filename=\"voice.ogg\"");
  CHECK(whole.header(http::field::accept_ranges) == "bytes");

  auto part = exchange(s.port(), request("GET", "/media/voice.ogg", "", "Range: bytes=100000-199999\r\n"));
  CHECK(part.status == 206);
  CHECK(part.header(http::field::content_range) == "bytes 100000-199999/300000");
  CHECK(part.message.body() == content.substr(100000, 100000));
  auto tail = exchange(s.port(), request("GET", "/media/voice.ogg", "", "Range: bytes=-10\r\n"));
  CHECK(tail.status == 206);
  CHECK(tail.message.body() == content.substr(content.size() - 10));

  auto past = exchange(s.port(), request("GET", "/media/voice.ogg", "", "Range: bytes=300000-\r\n"));
  CHECK(past.status == 416);
  CHECK(past.header(http::field::content_range) == "bytes */300000");
  CHECK(exchange(s.port(), request("GET", "/media/none.ogg")).status == 404);
  std::filesystem::remove_all(dir);
}
