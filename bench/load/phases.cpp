#include "phases.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <unordered_map>

#include "api_client.h"
#include "support/bench_process.h"

namespace contactd::bench {
namespace {

namespace net = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

// A logged-in API connection and what it does with frames once logged in.
struct Agent : ApiClient {
  std::function<void(std::string_view)> on_frame;  // after the login
  std::function<void(bool)> login_done;
  std::function<void()> on_closed;
};
using AgentPtr = std::shared_ptr<Agent>;

struct Customer {
  enum class Phase { idle, starting, chatting };
  std::shared_ptr<WsClient> ws;
  std::size_t slot{0};
  std::uint64_t campaign{0};
  Phase phase{Phase::idle};
  std::uint64_t interaction{0};
  Clock::time_point started_at, message_at;
  bool measured{false};
};

}  // namespace

struct LoadGenerator::State {
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  std::uint16_t port;
  pid_t pid;
  Directory directory;
  std::vector<AgentPtr> agents;  // every API connection, for close_all
  std::vector<std::shared_ptr<WsClient>> others;

  // Runs handlers until `done()` or `limit`; false on the limit.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) { io.run_for(d); }

  // Publishes through warm-up and the measured window, then drains; fills
  // `r` with what the subscribers received and what `server` spent on it.
  template <class Meter, class Result, class Shape>
  void measure(Meter& meter, pid_t server, const Shape& shape, Result& r) {
    meter.publishing = true;
    meter.pump();
    run_for(shape.warmup);
    meter.measuring = true;
    const double cpu0 = cpu_seconds(server);
    const auto t0 = Clock::now();
    const std::size_t published0 = meter.published;
    run_for(shape.duration);
    meter.measuring = false;
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds(server) - cpu0;
    r.commands = meter.published - published0;
    meter.publishing = false;
    run_for(std::chrono::seconds(1));  // drain
    r.frames_per_second = static_cast<double>(meter.frames) / seconds;
    r.mean_frame_bytes = meter.frames ? static_cast<double>(meter.bytes) / static_cast<double>(meter.frames) : 0;
    r.server_cpu_us_per_frame = meter.frames ? cpu * 1e6 / static_cast<double>(meter.frames) : 0;
  }

  // Connects and logs in as `login`; `done(ok)` afterwards.
  AgentPtr login(const std::string& login, std::function<void(bool)> done) {
    auto a = std::make_shared<Agent>();
    a->ws = WsClient::make(io, true);
    a->login_done = std::move(done);
    agents.push_back(a);
    a->ws->connect(port, "/ws", [a, login](bool ok) {
      if (!ok) return std::exchange(a->login_done, nullptr)(false);
      a->ws->on_closed = [a] {
        if (a->login_done) std::exchange(a->login_done, nullptr)(false);
        if (a->on_closed) a->on_closed();
      };
      a->ws->on_frame = [a](std::string_view frame) {
        if (!a->login_done) {
          if (a->on_frame) a->on_frame(frame);
          return;
        }
        v1::Envelope e;
        if (!e.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) return;
        if (e.has_response() && e.response().has_login()) {
          a->user_id = e.response().login().snapshot().me().id();
          std::exchange(a->login_done, nullptr)(true);
        } else if (e.has_error()) {
          std::fprintf(stderr, "login refused: %s\n", e.error().message().c_str());
          std::exchange(a->login_done, nullptr)(false);
        }
      };
      v1::Command c;
      c.mutable_login()->set_login(login);
      c.mutable_login()->set_password(kPassword);
      a->send(c);
    });
    return a;
  }

  // Logs in `count` users named prefix0... with at most `window` at a time.
  std::vector<AgentPtr> login_many(const std::string& prefix, std::size_t count, std::size_t window,
                                   const std::function<void(const AgentPtr&)>& prepare, std::size_t& failed) {
    std::vector<AgentPtr> out;
    std::size_t next = 0, pending = 0, finished = 0;
    std::function<void()> launch = [&] {
      while (next < count && pending < window) {
        ++pending;
        auto a = login(prefix + std::to_string(next++), [&](bool ok) {
          --pending;
          ++finished;
          if (!ok) ++failed;
          launch();
        });
        prepare(a);
        out.push_back(a);
      }
    };
    launch();
    if (!run_until([&] { return finished == count; }, std::chrono::minutes(5)))
      std::fprintf(stderr, "logins stalled at %zu of %zu\n", finished, count);
    return out;
  }
};

LoadGenerator::LoadGenerator(std::uint16_t port, pid_t pid, Directory directory) : s_(std::make_unique<State>()) {
  s_->port = port;
  s_->pid = pid;
  s_->directory = std::move(directory);
}

LoadGenerator::~LoadGenerator() { close_all(); }

SessionsResult LoadGenerator::hold_sessions(std::size_t n, std::size_t window) {
  SessionsResult r;
  s_->run_for(std::chrono::milliseconds(500));
  const std::size_t before = rss_bytes(s_->pid);
  const auto t0 = Clock::now();
  auto held = s_->login_many("agent", n, window, [](const AgentPtr&) {}, r.failed);
  r.logins_per_second = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
  s_->run_for(std::chrono::seconds(2));  // settle: replies written, buffers released
  std::size_t open = 0;
  for (auto& a : held) open += a->ws->open() ? 1 : 0;
  r.held = open;
  const std::size_t after = rss_bytes(s_->pid);
  r.bytes_per_session = open ? static_cast<double>(after - before) / static_cast<double>(open) : 0;
  return r;
}

LatencyResult LoadGenerator::webchat_latency(double rate, std::chrono::seconds warmup, std::chrono::seconds duration,
                                             std::size_t customer_count, std::size_t worker_count) {
  LatencyResult r;
  r.offered_per_second = rate;
  std::vector<double> message_ms, assign_ms;
  std::vector<Customer> customers(customer_count);
  std::vector<std::size_t> idle;
  std::unordered_map<std::uint64_t, std::size_t> slot_of;           // interaction -> customer
  std::unordered_map<std::uint64_t, Clock::time_point> assigned_at;  // assigned before "started" arrived
  std::size_t completed_in_window = 0;

  auto assigned = [&](std::uint64_t interaction, Clock::time_point t) {
    auto it = slot_of.find(interaction);
    if (it == slot_of.end()) {
      assigned_at[interaction] = t;
      return;
    }
    Customer& c = customers[it->second];
    if (c.measured) assign_ms.push_back(ms(t - c.started_at));
  };

  // The agents: take what is assigned to them, answer nothing, finish and
  // close when the customer's message arrives.
  std::size_t failed = 0;
  auto workers = s_->login_many("worker", worker_count, 100, [&](const AgentPtr& a) {
    a->on_frame = [&, a](std::string_view frame) {
      const auto now = Clock::now();
      v1::Envelope e;
      if (!e.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) return;
      if (e.has_error()) {
        if (r.errors++ == 0) std::fprintf(stderr, "agent command refused: %s\n", e.error().message().c_str());
        return;
      }
      if (!e.has_event()) return;
      const auto& ev = e.event();
      if (ev.has_interaction_assigned() && ev.interaction_assigned().agent_id() == a->user_id) {
        assigned(ev.interaction_assigned().interaction_id(), now);
      } else if (ev.has_message_posted() && ev.message_posted().sender() == v1::SENDER_CUSTOMER) {
        const auto& m = ev.message_posted();
        const std::size_t slot = std::stoull(m.text().substr(2));  // "L <slot>"
        if (slot < customers.size() && customers[slot].measured) message_ms.push_back(ms(now - customers[slot].message_at));
        v1::Command finish;
        finish.mutable_finish()->set_interaction_id(m.interaction_id());
        a->send(finish);
        v1::Command close;
        close.mutable_close_interaction()->set_interaction_id(m.interaction_id());
        a->send(close);
      }
    };
  }, failed);
  r.errors += failed;

  // The visitors.
  std::size_t connected = 0, connect_failed = 0;
  for (std::size_t k = 0; k < customer_count; ++k) {
    Customer& c = customers[k];
    c.slot = k;
    c.campaign = s_->directory.work_campaigns[k % s_->directory.work_campaigns.size()];
    c.ws = WsClient::make(s_->io, false);
    s_->others.push_back(c.ws);
    c.ws->on_frame = [&, k](std::string_view frame) {
      Customer& c = customers[k];
      boost::system::error_code ec;
      json::value v = json::parse(frame, ec);
      if (ec || !v.is_object()) return;
      const auto& o = v.as_object();
      const auto type = o.at("type").as_string();
      if (type == "started") {
        c.interaction = static_cast<std::uint64_t>(o.at("interaction").as_int64());
        slot_of[c.interaction] = k;
        c.phase = Customer::Phase::chatting;
        if (auto it = assigned_at.find(c.interaction); it != assigned_at.end()) {
          if (c.measured) assign_ms.push_back(ms(it->second - c.started_at));
          assigned_at.erase(it);
        }
        c.message_at = Clock::now();
        c.ws->send("{\"type\":\"message\",\"text\":\"L " + std::to_string(k) + "\"}");
      } else if (type == "ended") {
        slot_of.erase(c.interaction);
        if (c.measured) ++completed_in_window;
        c.phase = Customer::Phase::idle;
        c.measured = false;
        idle.push_back(k);
      } else if (type == "error") {
        if (r.errors++ == 0) std::fprintf(stderr, "webchat error: %s\n", json::serialize(o).c_str());
        if (c.phase == Customer::Phase::starting) {
          c.phase = Customer::Phase::idle;
          idle.push_back(k);
        }
      }
    };
    c.ws->connect(s_->port, "/webchat/v1", [&, k](bool ok) {
      if (ok) {
        ++connected;
        idle.push_back(k);
      } else {
        ++connect_failed;
      }
    });
  }
  s_->run_until([&] { return connected + connect_failed == customer_count; }, std::chrono::seconds(30));
  r.errors += connect_failed;

  // Open loop: start conversations on schedule, whatever the replies do.
  const auto t0 = Clock::now();
  const auto window_start = t0 + warmup;
  const auto window_end = window_start + duration;
  std::size_t launched = 0;
  net::steady_timer tick(s_->io);
  std::function<void()> pace = [&] {
    const auto now = Clock::now();
    if (now >= window_end) return;
    const auto due = static_cast<std::size_t>(rate * std::chrono::duration<double>(now - t0).count());
    for (; launched < due; ++launched) {
      if (idle.empty()) {
        if (now >= window_start) ++r.starved;
        continue;
      }
      Customer& c = customers[idle.back()];
      idle.pop_back();
      c.phase = Customer::Phase::starting;
      c.started_at = now;
      c.measured = now >= window_start;
      c.ws->send("{\"type\":\"start\",\"campaign\":" + std::to_string(c.campaign) + "}");
    }
    tick.expires_after(std::chrono::milliseconds(1));
    tick.async_wait([&](boost::system::error_code ec) {
      if (!ec) pace();
    });
  };
  pace();
  s_->run_until([&] { return Clock::now() >= window_start; }, warmup + std::chrono::seconds(5));
  const double server0 = cpu_seconds(s_->pid), self0 = cpu_seconds(::getpid());
  s_->run_until([&] { return Clock::now() >= window_end; }, duration + std::chrono::seconds(5));
  const double window_seconds = std::chrono::duration<double>(duration).count();
  r.server_cpu = (cpu_seconds(s_->pid) - server0) / window_seconds;
  r.generator_cpu = (cpu_seconds(::getpid()) - self0) / window_seconds;
  s_->run_until([&] { return idle.size() + 0 >= connected; }, std::chrono::seconds(10));  // drain
  tick.cancel();
  s_->run_for(std::chrono::milliseconds(50));

  r.samples = message_ms.size();
  r.achieved_per_second = static_cast<double>(completed_in_window) / std::chrono::duration<double>(duration).count();
  r.message_p50_ms = percentile(message_ms, 0.50);
  r.message_p99_ms = percentile(message_ms, 0.99);
  r.message_max_ms = message_ms.empty() ? 0 : message_ms.back();
  r.assign_p50_ms = percentile(assign_ms, 0.50);
  r.assign_p99_ms = percentile(assign_ms, 0.99);
  for (auto& c : customers) c.ws->on_frame = nullptr;  // they referred to this frame's locals
  for (auto& w : workers) w->on_frame = nullptr;
  return r;
}

namespace {

// Shared by both fan-out runs: subscribers count frames; `publish()` sends one
// more change while fewer than `window` are unseen by the slowest subscriber.
struct FanoutMeter {
  std::vector<std::size_t> seen;  // frames per subscriber
  std::size_t seen_by_all{0};     // the least of seen
  std::size_t published{0};
  std::size_t frames{0};
  std::size_t bytes{0};
  bool measuring{false};
  bool publishing{false};  // once publish is set
  std::size_t window;
  std::function<void()> publish;
  void pump() {
    while (publishing && published - std::min(published, seen_by_all) < window) {
      publish();
      ++published;
    }
  }
  void on_frame(std::size_t subscriber, std::size_t size) {
    if (measuring) {
      ++frames;
      bytes += size;
    }
    if (seen[subscriber]++ == seen_by_all) {  // it may have been the slowest
      seen_by_all = *std::min_element(seen.begin(), seen.end());
      pump();
    }
  }
};

}  // namespace

FanoutResult LoadGenerator::fanout(const FanoutShape& shape) {
  FanoutResult r;
  FanoutMeter meter;
  meter.window = shape.window;
  std::size_t failed = 0;
  std::size_t index = 0;
  meter.seen.assign(shape.subscribers, 0);
  auto subscribers = s_->login_many("admin", shape.subscribers, 50, [&](const AgentPtr& a) {
    a->on_frame = [&meter, k = index++](std::string_view f) { meter.on_frame(k, f.size()); };
    a->on_closed = [&r] { ++r.disconnected; };
  }, failed);
  auto publishers = s_->login_many("pub", shape.publishers, 50, [&](const AgentPtr& a) {
    a->on_frame = [&r](std::string_view f) {
      v1::Envelope e;
      if (e.ParseFromArray(f.data(), static_cast<int>(f.size())) && e.has_error())
        if (r.errors++ == 0) std::fprintf(stderr, "publisher refused: %s\n", e.error().message().c_str());
    };
  }, failed);
  r.errors += failed;
  s_->run_for(std::chrono::milliseconds(500));  // the logins' presence events are out of the way
  std::vector<bool> on_lunch(publishers.size(), false);
  meter.publish = [&] {
    const std::size_t k = meter.published % publishers.size();
    v1::Command c;
    if (on_lunch[k]) c.mutable_clear_status();
    else c.mutable_set_status()->set_status_id(s_->directory.lunch_status);
    on_lunch[k] = !on_lunch[k];
    publishers[k]->send(c);
  };
  s_->measure(meter, s_->pid, shape, r);
  for (auto& a : subscribers) a->on_frame = nullptr, a->on_closed = nullptr;
  for (auto& a : publishers) a->on_frame = nullptr;
  return r;
}

FanoutResult LoadGenerator::fanout_baseline(std::uint16_t port, pid_t pid, const FanoutShape& shape,
                                            std::size_t frame_bytes) {
  FanoutResult r;
  FanoutMeter meter;
  meter.window = shape.window;
  std::vector<std::shared_ptr<WsClient>> subscribers, publishers;
  std::size_t connected = 0, failed = 0;
  auto done = [&](bool ok) { ok ? ++connected : ++failed; };
  meter.seen.assign(shape.subscribers, 0);
  for (std::size_t k = 0; k < shape.subscribers; ++k) {
    auto ws = WsClient::make(s_->io, true);
    ws->on_frame = [&meter, k](std::string_view f) { meter.on_frame(k, f.size()); };
    ws->on_closed = [&r] { ++r.disconnected; };
    ws->connect(port, "/sub", done);
    subscribers.push_back(ws);
  }
  for (std::size_t k = 0; k < shape.publishers; ++k) {
    auto ws = WsClient::make(s_->io, true);
    ws->connect(port, "/pub", done);
    publishers.push_back(ws);
  }
  s_->run_until([&] { return connected + failed == shape.subscribers + shape.publishers; }, std::chrono::seconds(30));
  r.errors = failed;
  s_->run_for(std::chrono::milliseconds(500));
  const std::string payload(frame_bytes, 'x');
  meter.publish = [&] { publishers[meter.published % publishers.size()]->send(payload); };
  s_->measure(meter, pid, shape, r);
  for (auto& ws : subscribers) {
    ws->on_frame = nullptr;
    ws->on_closed = nullptr;
    ws->close();
  }
  for (auto& ws : publishers) ws->close();
  s_->run_for(std::chrono::milliseconds(300));
  return r;
}

void LoadGenerator::close_all() {
  for (auto& a : s_->agents) {
    a->on_frame = nullptr;
    a->on_closed = nullptr;
    if (a->ws->open()) a->ws->close();
  }
  for (auto& ws : s_->others) {
    ws->on_frame = nullptr;
    if (ws->open()) ws->close();
  }
  s_->run_for(std::chrono::seconds(1));
  s_->agents.clear();
  s_->others.clear();
}

}  // namespace contactd::bench
