// Outbox delivery to a provider (issue 12): the sender's whole path for one
// message — the outbox row claimed in PostgreSQL (in_flight), the Cloud API
// request built and sent over the account's keep-alive connections, the
// answer classified, the row recorded 'sent' with the provider's id — against
// the fake Graph API on loopback (tests/integration/harness/fake_meta.h).
//   1. throughput: N deliveries handed over at once, until every row is sent;
//      baseline in the same run: the same N requests posted straight to the
//      fake with the same HTTP client (no outbox);
//   2. latency at a paced rate (default 500/s): from the hand-over (the
//      moment the engine host applies the effect after the commit) to the
//      fake receiving the request: p50 / p99.
// The engine and journal before the hand-over are journal_bench's figure.
//
//   pg_virtualenv -v 15 -- build/bench/outbox_bench [messages] [rate]
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "channels/accounts.h"
#include "channels/delivery/outbox_sender.h"
#include "channels/http_client.h"
#include "channels/whatsapp/links.h"
#include "harness/fake_meta.h"
#include "store/database.h"
#include "store/outbox.h"
#include "support/bench_process.h"

using namespace contactd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr core::AccountId kAccount = 1;

// Rows as the projection writes them (messages, interactions, outbox), so the
// claims and records touch real rows with their indexes.
void seed_rows(const std::string& url, std::uint64_t first, std::uint64_t count) {
  auto c = store::connect(url);
  pqxx::work t(*c);
  if (first == 1) {
    t.exec("INSERT INTO provider_accounts (id, provider, name, updated_at) VALUES (1, 'meta', 'bench', now())");
    t.exec("INSERT INTO campaigns (id, name, created_at, settings) VALUES (1, 'Bench', now(), '{}')");
    t.exec("INSERT INTO interactions (id, campaign_id, channel, direction, state, customer, priority, created_at, account_id)"
           " VALUES (1, 1, 'whatsapp', 'inbound', 'active', '5511999990001', 0, now(), 1)");
  }
  t.exec_params("INSERT INTO messages (id, interaction_id, sender, author_name, body, created_at, state)"
                " SELECT g, 1, 'agent', 'Agent', 'message ' || g, now(), 'queued' FROM generate_series($1::bigint, $2::bigint) g",
                static_cast<long long>(first), static_cast<long long>(first + count - 1));
  t.exec_params("INSERT INTO outbox (message_id, interaction_id, account_id) SELECT g, 1, 1"
                " FROM generate_series($1::bigint, $2::bigint) g",
                static_cast<long long>(first), static_cast<long long>(first + count - 1));
  t.commit();
}

core::DeliverMessage delivery(std::uint64_t id) {
  core::DeliverMessage d;
  d.channel = core::Channel::whatsapp;
  d.provider = core::Provider::meta;
  d.account = kAccount;
  d.customer = "5511999990001";
  d.message.interaction = 1;
  d.message.message = id;
  d.message.sender = core::Sender::agent;
  d.message.text = "message " + std::to_string(id);
  return d;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t messages = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20'000;
  const double rate = argc > 2 ? std::strtod(argv[2], nullptr) : 500.0;
  const std::uint64_t paced = static_cast<std::uint64_t>(rate * 10);  // ten seconds of it
  const std::string db = "contactd_outbox_bench_" + std::to_string(::getpid());
  const std::string url = bench::make_database(db);
  seed_rows(url, 1, messages + paced);

  test::FakeMeta meta;
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });

  // Baseline: the same requests straight to the fake, same client settings.
  double baseline_rate = 0;
  {
    channels::HttpClientOptions o;
    o.base_url = meta.base_url();
    o.default_headers = {{"Authorization", "Bearer " + meta.account().access_token}};
    o.max_connections = 8;
    channels::HttpClient client(io, o);
    std::atomic<std::uint64_t> done{0};
    std::mutex mu;
    std::condition_variable cv;
    const auto t0 = Clock::now();
    for (std::uint64_t k = 0; k < messages; ++k)
      client.request("POST", "/v21.0/" + meta.account().phone_number_id + "/messages",
                     {{"Content-Type", "application/json"}},
                     R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"text","text":{"body":"baseline"}})",
                     [&](channels::HttpResult) {
                       if (++done == messages) cv.notify_all();
                     });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done.load() == messages; });
    baseline_rate = static_cast<double>(messages) / std::chrono::duration<double>(Clock::now() - t0).count();
  }

  channels::AccountDirectory accounts;
  core::ProviderAccount account;
  account.id = kAccount;
  account.provider = core::Provider::meta;
  account.name = "bench";
  account.phone_number_id = meta.account().phone_number_id;
  account.base_url = meta.base_url();
  account.secrets = {{"access_token", meta.account().access_token}};
  accounts.load({&account});
  channels::whatsapp::ProviderHttpOptions http;
  channels::whatsapp::ProviderClients clients(io, http);
  channels::whatsapp::CloudApiLink link(accounts, clients, nullptr);
  store::PgOutbox outbox(url);
  outbox.start();
  core::SystemClock clock;
  std::atomic<std::uint64_t> reported{0};
  channels::OutboxSender sender(io, outbox, [&](channels::OutboxSender::Report) { ++reported; }, clock);
  sender.add_link(core::Provider::meta, link);

  // 1. Throughput.
  const auto t1 = Clock::now();
  for (std::uint64_t id = 1; id <= messages; ++id) sender.apply(delivery(id));
  while (reported.load() < messages) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double outbox_s = std::chrono::duration<double>(Clock::now() - t1).count();

  // 2. Latency at `rate`.
  std::mutex mu;
  std::map<std::string, Clock::time_point> handed, arrived;
  meta.on_send([&](const test::MetaSend& s) {
    const auto now = Clock::now();
    std::lock_guard lock(mu);
    if (s.body.is_object() && s.body.as_object().contains("biz_opaque_callback_data"))
      arrived[std::string(s.body.at("biz_opaque_callback_data").as_string())] = now;
  });
  const auto period = std::chrono::duration<double>(1.0 / rate);
  const auto t2 = Clock::now();
  for (std::uint64_t k = 0; k < paced; ++k) {
    std::this_thread::sleep_until(t2 + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(k)));
    const std::uint64_t id = messages + 1 + k;
    {
      std::lock_guard lock(mu);
      handed[std::to_string(id)] = Clock::now();
    }
    sender.apply(delivery(id));
  }
  while (reported.load() < messages + paced) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<double> latencies;
  {
    std::lock_guard lock(mu);
    for (const auto& [id, at] : handed)
      if (auto it = arrived.find(id); it != arrived.end())
        latencies.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
  }
  const auto stats = sender.stats();
  outbox.stop();
  guard.reset();
  io.stop();
  for (auto& t : threads) t.join();
  bench::drop_database(db);

  const double outbox_rate = static_cast<double>(messages) / outbox_s;
  std::printf("outbox_bench: %llu messages at once, then %llu at %.0f/s, fake Graph API on loopback\n",
              static_cast<unsigned long long>(messages), static_cast<unsigned long long>(paced), rate);
  std::printf("%-44s %14s\n", "path", "messages/s");
  std::printf("%-44s %14.0f\n", "outbox: claim + send + record (sent)", outbox_rate);
  std::printf("%-44s %14.0f\n", "baseline: the same requests, HTTP client only", baseline_rate);
  std::printf("ratio outbox / baseline: %.1f%%   sent %llu, failed %llu, retried %llu, unknown %llu\n",
              100.0 * outbox_rate / baseline_rate, static_cast<unsigned long long>(stats.sent),
              static_cast<unsigned long long>(stats.failed), static_cast<unsigned long long>(stats.retried),
              static_cast<unsigned long long>(stats.unknown));
  if (!latencies.empty())
    std::printf("hand-over -> provider request at %.0f/s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu samples)\n", rate,
                percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 1.0), latencies.size());
  return stats.failed == 0 ? 0 : 1;
}
