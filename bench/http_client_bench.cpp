// channels::HttpClient throughput against a loopback fake provider (issue 12):
// requests per second over kept-alive connections against a new connection
// per request (idle_timeout 0), with 1 and with `in_flight` requests at once.
// Each request is a 200-byte JSON POST answered with a 120-byte JSON body.
//
//   build/bench/http_client_bench [seconds per run] [in_flight]
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "channels/http_client.h"
#include "harness/fake_http_server.h"

using namespace contactd::channels;
using namespace contactd::test;
using Stopwatch = std::chrono::steady_clock;

namespace {

struct Run {
  double per_second{0};
  std::uint64_t failures{0};
  std::uint64_t connections{0};
};

// Keeps `in_flight` requests going for `duration`; each answer sends the next.
Run run(const FakeHttpServer& server, bool keep_alive, int in_flight, std::chrono::milliseconds duration) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  HttpClientOptions options;
  options.base_url = server.base_url();
  options.max_connections = static_cast<std::size_t>(in_flight);
  if (!keep_alive) options.idle_timeout = std::chrono::milliseconds(0);
  Run result;
  {
    HttpClient client(io, options);
    const std::string body = R"({"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":")" +
                             std::string(120, 'x') + "\"}}";
    std::atomic<std::uint64_t> done{0};
    std::atomic<bool> stop{false};
    std::atomic<int> running{in_flight};
    std::promise<void> all_stopped;
    std::function<void()> next = [&] {
      client.request("POST", "/v21.0/1/messages", {{"Content-Type", "application/json"}}, body, [&](HttpResult r) {
        if (std::holds_alternative<HttpFailure>(r)) ++result.failures;
        ++done;
        if (!stop) return next();
        if (--running == 0) all_stopped.set_value();
      });
    };
    const auto started = Stopwatch::now();
    for (int i = 0; i < in_flight; ++i) next();
    std::this_thread::sleep_for(duration);
    stop = true;
    all_stopped.get_future().wait();
    const std::chrono::duration<double> took = Stopwatch::now() - started;
    result.per_second = static_cast<double>(done) / took.count();
    result.connections = client.stats().connections_opened;
  }
  work.reset();
  io.stop();
  loop.join();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  const auto in_flight = argc > 2 ? std::atoi(argv[2]) : 8;
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply::json(200, R"({"messaging_product":"whatsapp","contacts":[{"input":"16505551234",)"
                                R"("wa_id":"16505551234"}],"messages":[{"id":"wamid.FAKE1"}]})");
  });
  std::printf("%-28s %10s %12s %9s\n", "mode", "in flight", "requests/s", "conns");
  for (int flight : {1, in_flight}) {
    for (bool keep_alive : {true, false}) {
      const auto r = run(server, keep_alive, flight, std::chrono::seconds(seconds));
      std::printf("%-28s %10d %12.0f %9llu%s\n", keep_alive ? "keep-alive pool" : "new connection per request",
                  flight, r.per_second, static_cast<unsigned long long>(r.connections),
                  r.failures ? "  (failures!)" : "");
    }
  }
  return 0;
}
