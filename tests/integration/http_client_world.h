#pragma once
// For tests of channels::HttpClient: an io_context running on its own thread,
// and a blocking call that fails the test if the callback never comes.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "channels/http_client.h"

namespace contactd::test {

class IoThread {
 public:
  IoThread() : thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
};

// Sends `request` and waits (at most 10 s) for its result.
inline channels::HttpResult call(channels::HttpClient& client, channels::HttpRequest request) {
  auto promise = std::make_shared<std::promise<channels::HttpResult>>();
  auto result = promise->get_future();
  client.request(std::move(request), [promise](channels::HttpResult r) { promise->set_value(std::move(r)); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) FAIL("no HTTP result within 10 s");
  return result.get();
}

inline channels::HttpResult call(channels::HttpClient& client, std::string method, std::string target,
                                 std::string body = "", channels::HttpHeaders headers = {}) {
  return call(client, channels::HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body),
                                            std::nullopt});
}

// The response, failing the test on an HttpFailure.
inline channels::HttpResponse response_of(const channels::HttpResult& result) {
  if (const auto* f = std::get_if<channels::HttpFailure>(&result)) FAIL("HTTP failure: " << f->detail);
  return std::get<channels::HttpResponse>(result);
}

// The failure, failing the test on a response.
inline channels::HttpFailure failure_of(const channels::HttpResult& result) {
  if (const auto* r = std::get_if<channels::HttpResponse>(&result)) FAIL("unexpected HTTP " << r->status);
  return std::get<channels::HttpFailure>(result);
}

}  // namespace contactd::test
