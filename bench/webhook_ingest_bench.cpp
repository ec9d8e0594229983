// Webhook ingestion (issue 12): signed, deduplicated, durable inbound
// WhatsApp messages per second — what the webhook route does before it may
// answer 200: check X-Hub-Signature-256 on the raw body, parse the batch,
// store every item in the inbox (dedupe by account and provider id, group
// commit) — from several concurrent "connections", counted when the inbox
// says they are durable. One in ten webhooks is a redelivery (stores
// nothing new). In the same run, in the same PostgreSQL: the journal's
// events per second as journal_bench measures them. Target: >= 50%.
//
//   pg_virtualenv -v 15 -- build/bench/webhook_ingest_bench [messages] [senders]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/whatsapp/inbox_items.h"
#include "channels/whatsapp/meta_codec.h"
#include "store/database.h"
#include "store/inbox.h"
#include "store/migrations.h"
#include "support/journal_rate.h"

using namespace contactd;
namespace wa = contactd::channels::whatsapp;

namespace {

constexpr std::size_t kPerWebhook = 10;
const std::string kSecret = "bench-app-secret";

std::string webhook_body(std::size_t first) {
  std::string messages;
  for (std::size_t k = 0; k < kPerWebhook; ++k) {
    const std::string n = std::to_string(first + k);
    if (k) messages += ',';
    messages += R"({"from":"1650555)" + std::to_string((first + k) % 1000) + R"(","id":"wamid.bench)" + n +
                R"(","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color? )" + n +
                R"("}})";
  }
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",)"
         R"("value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",)"
         R"("phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],)"
         R"("messages":[)" +
         messages + "]}}]}]}";
}

std::string fresh_database() {
  static int n = 0;
  const std::string db = "contactd_bench_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  auto admin = store::connect("dbname=postgres");
  pqxx::nontransaction(*admin).exec("CREATE DATABASE " + db);
  auto c = store::connect("dbname=" + db);
  store::apply_migrations(*c);
  return db;
}

void drop_database(const std::string& db) {
  auto admin = store::connect("dbname=postgres");
  pqxx::nontransaction(*admin).exec("DROP DATABASE " + db + " WITH (FORCE)");
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::size_t senders = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 32;
  const std::size_t webhooks = messages / kPerWebhook;

  // The bodies as Meta would send them, signed (prepared untimed).
  std::vector<std::pair<std::string, std::string>> bodies;
  bodies.reserve(webhooks + webhooks / 10);
  for (std::size_t w = 0; w < webhooks; ++w) {
    std::string body = webhook_body(w * kPerWebhook);
    std::string signature = wa::meta::sign(kSecret, body);
    bodies.emplace_back(std::move(body), std::move(signature));
    if (w % 10 == 9) bodies.push_back(bodies[w - 5]);  // a redelivery
  }

  const std::string ingest_db = fresh_database();
  store::PgInbox inbox("dbname=" + ingest_db);
  inbox.start();
  std::atomic<std::size_t> next{0}, durable_items{0}, refused{0};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t answered = 0;
  // Each sender is a connection: one webhook in flight at a time, as a
  // provider's HTTP client does.
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t s = 0; s < senders; ++s)
    threads.emplace_back([&] {
      for (;;) {
        const std::size_t k = next.fetch_add(1);
        if (k >= bodies.size()) return;
        const auto& [body, signature] = bodies[k];
        if (!wa::meta::verify_signature(kSecret, body, signature)) {
          ++refused;
          continue;
        }
        auto parsed = wa::meta::parse_webhook(body);
        auto* batch = std::get_if<wa::WebhookBatch>(&parsed);
        if (!batch) {
          ++refused;
          continue;
        }
        std::vector<store::InboxItem> items;
        for (const auto& m : batch->messages) items.push_back({1, m.dedupe_key, "message", wa::to_payload(m)});
        std::promise<void> done;
        auto f = done.get_future();
        inbox.accept(std::move(items), [&](auto ids) {
          if (ids)
            for (auto id : *ids) durable_items += id != 0;
          done.set_value();
        });
        f.wait();
        std::lock_guard lock(mu);
        ++answered;
      }
    });
  for (auto& t : threads) t.join();
  const double ingest_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto stats = inbox.stats();
  inbox.stop();
  drop_database(ingest_db);

  const std::string journal_db = fresh_database();
  const bench::JournalRate journal = bench::measure_journal("dbname=" + journal_db, messages);
  drop_database(journal_db);

  const double ingest_rate = static_cast<double>(durable_items.load()) / ingest_s;
  std::printf("webhook_ingest_bench: %zu webhooks (%zu redelivered) of %zu messages, %zu senders\n", bodies.size(),
              bodies.size() - webhooks, kPerWebhook, senders);
  std::printf("%-40s %10s %14s\n", "path", "seconds", "per second");
  std::printf("%-40s %10.3f %14.0f\n", "webhook: verify+parse+inbox (messages)", ingest_s, ingest_rate);
  std::printf("%-40s %10.3f %14.0f\n", "journal (events, journal_bench)", journal.seconds, journal.events_per_second);
  std::printf("ratio ingestion / journal: %.1f%%   (inbox transactions: %llu, duplicates: %llu, refused: %zu)\n",
              100.0 * ingest_rate / journal.events_per_second, static_cast<unsigned long long>(stats.transactions),
              static_cast<unsigned long long>(stats.duplicates), refused.load());
  return durable_items.load() == webhooks * kPerWebhook ? 0 : 1;
}
