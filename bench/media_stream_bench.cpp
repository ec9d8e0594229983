// Provider media never whole in memory (issue 12 item 2): the peak RSS
// growth of this process while channels::HttpClient
//   - fetches a file into the media store (an HttpBodySink writing an
//     attachments::Upload, as the media fetcher does; aborted at the end
//     instead of recorded: no database), and
//   - uploads it from disk as a multipart body (file_body_source, as Meta's
//     media upload does) to a loopback server that discards it,
// and, for comparison, the buffered API's growth fetching the same file.
// The fake server that serves the download holds the file before the
// measure starts (its bytes are not growth). Peak RSS is VmHWM, reset through
// /proc/self/clear_refs before each run.
//
//   build/bench/media_stream_bench [megabytes, default 100]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "attachments/attachment_store.h"
#include "channels/http_client.h"
#include "core/time.h"
#include "harness/fake_http_server.h"

using namespace contactd;
using namespace contactd::channels;
using namespace contactd::test;
namespace fs = std::filesystem;

namespace {

// VmRSS or VmHWM of this process, in bytes.
std::uint64_t status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::strtoull(line.c_str() + std::strlen(field), nullptr, 10) * 1024;
  return 0;
}

// Resets VmHWM to the current RSS; the baseline of a run.
std::uint64_t reset_peak() {
  std::ofstream("/proc/self/clear_refs") << "5";
  return status_kib("VmHWM:");
}

struct IoThread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

HttpResult call(HttpClient& client, HttpRequest request) {
  std::promise<HttpResult> done;
  client.request(std::move(request), [&](HttpResult r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

// Accepts one connection at a time; reads each request's header and
// Content-Length bytes into a small buffer (discarded); answers {"id":"1"}.
class DiscardServer {
 public:
  DiscardServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~DiscardServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint64_t received() const { return received_; }

 private:
  void serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[65536];
      std::uint64_t body_left = 0;
      bool in_body = false;
      for (;;) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        std::size_t at = 0;
        if (!in_body) {
          head.append(buf, static_cast<std::size_t>(n));
          const auto end = head.find("\r\n\r\n");
          if (end == std::string::npos) continue;
          const auto cl = head.find("Content-Length: ");
          body_left = cl == std::string::npos ? 0 : std::strtoull(head.c_str() + cl + 16, nullptr, 10);
          at = static_cast<std::size_t>(n) - (head.size() - end - 4);
          in_body = true;
        }
        const auto got = std::min<std::uint64_t>(body_left, static_cast<std::size_t>(n) - at);
        body_left -= got;
        received_ += got;
        if (body_left == 0) {
          const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{\"id\":\"1\"}";
          ::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
          break;
        }
      }
      ::close(c);
    }
  }
  int fd_{-1};
  std::uint16_t port_{0};
  std::thread thread_;
  std::uint64_t received_{0};
};

void print(const char* what, std::uint64_t file, std::uint64_t growth, bool ok) {
  std::printf("%-44s %10.1f MB %12.1f MB %9.1f%%%s\n", what, file / 1e6, growth / 1e6, 100.0 * growth / file,
              ok ? "" : "  (failed!)");
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t megabytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100;
  const std::uint64_t size = megabytes * 1000 * 1000;
  auto file = std::make_shared<std::string>(size, '\0');
  std::memcpy(file->data(), "%PDF-1.7\n", 9);
  for (std::uint64_t i = 9; i < size; ++i) (*file)[i] = static_cast<char>('a' + i % 23);
  std::shared_ptr<const std::string> served = file;
  FakeHttpServer server([served](const FakeRequest&) {
    FakeReply r;
    r.shared_body = served;
    return r;
  });
  char tmpl[] = "/tmp/contactd-media-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  core::ManualClock clock{core::from_unix_ms(1'790'000'000'000)};
  attachments::AttachmentOptions store_options;
  store_options.directory = (dir / "media").string();
  attachments::AttachmentStore store(store_options, "host=" + (dir / "no-socket").string() + " dbname=none", clock);
  IoThread io;
  HttpClientOptions o;
  o.base_url = server.base_url();
  o.request_timeout = std::chrono::minutes(5);
  o.max_response_body = size + 1;

  std::printf("%-44s %13s %15s %10s\n", "run", "file", "peak RSS growth", "of file");
  {  // Streamed download into an Upload.
    HttpClient client(io.io, o);
    auto upload = std::get<attachments::Upload>(store.fetch_from("big.pdf", "application/pdf", size));
    const auto base = reset_peak();
    HttpRequest request;
    request.target = "/media";
    request.sink = std::make_shared<HttpBodySink>(
        HttpBodySink{size, [&upload](std::string_view chunk) -> std::optional<std::string> {
                       if (auto err = upload.write(chunk)) return err->message;
                       return std::nullopt;
                     }});
    auto r = call(client, std::move(request));
    const bool ok = std::holds_alternative<HttpResponse>(r) && upload.bytes_written() == size;
    print("download streamed into the media store", size, status_kib("VmHWM:") - base, ok);
    upload.abort();
  }
  {  // Streamed multipart upload from disk.
    const fs::path on_disk = dir / "outbound.pdf";
    std::ofstream(on_disk, std::ios::binary).write(file->data(), static_cast<std::streamsize>(size));
    DiscardServer sink;
    HttpClientOptions uo = o;
    uo.base_url = sink.base_url();
    HttpClient client(io.io, uo);
    const auto base = reset_peak();
    HttpRequest request;
    request.method = "POST";
    request.target = "/media";
    request.body_source = file_body_source("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n",
                                           on_disk.string(), "\r\n--b--\r\n");
    auto r = call(client, std::move(request));
    const bool ok = std::holds_alternative<HttpResponse>(r) && sink.received() >= size;
    print("upload streamed from disk (multipart)", size, status_kib("VmHWM:") - base, ok);
  }
  {  // The buffered API, for comparison.
    HttpClient client(io.io, o);
    const auto base = reset_peak();
    auto r = call(client, HttpRequest{"GET", "/media", {}, {}, std::nullopt});
    const bool ok = std::holds_alternative<HttpResponse>(r) && std::get<HttpResponse>(r).body.size() == size;
    print("download buffered (whole body in memory)", size, status_kib("VmHWM:") - base, ok);
  }
  fs::remove_all(dir);
  return 0;
}
