// `contactd serve`: wires the engine host, journal, API and signals together.
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <thread>

#include "api/dispatcher.h"
#include "api/protobuf_log.h"
#include "api/streams.h"
#include "app/commands.h"
#include "app/database_tools.h"
#include "api/attachment_routes.h"
#include "app/effect_router.h"
#include "attachments/attachment_store.h"
#include "attachments/public_url.h"
#include "channels/accounts.h"
#include "channels/delivery/outbox_sender.h"
#include "channels/whatsapp/inbound_feeder.h"
#include "channels/whatsapp/links.h"
#include "channels/whatsapp/media_fetcher.h"
#include "channels/whatsapp/template_sync.h"
#include "channels/whatsapp/webhooks.h"
#include "store/inbox.h"
#include "store/outbox.h"
#include "channels/bot/bot_client.h"
#include "channels/webchat/demo_page.h"
#include "channels/webchat/gateway.h"
#include "host/engine_host.h"
#include "net/server.h"
#include "sip/phone_module.h"
#include "store/database.h"
#include "store/journal.h"
#include "store/history.h"
#include "store/loader.h"
#include "store/migrations.h"
#include "tz/system_zones.h"

namespace contactd::app {
namespace {

namespace asio = boost::asio;

// Blocking: opens a short-lived connection, checks the schema.
net::Readiness probe(const Config& config, const store::PgJournal& journal) {
  std::string database = "ok";
  std::string migrations = "unknown";
  bool ready = true;
  try {
    auto c = store::connect(config.database_url);
    auto report = store::inspect_migrations(*c);
    if (!report.problem.empty()) {
      migrations = report.problem;
      ready = false;
    } else if (!report.pending.empty()) {
      migrations = std::to_string(report.pending.size()) + " pending";
      ready = false;
    } else {
      migrations = "up to date";
    }
  } catch (const std::exception& e) {
    database = "unreachable";
    ready = false;
  }
  const bool journal_ok = journal.available();
  ready = ready && journal_ok;
  return net::Readiness{ready, R"({"ready":)" + std::string(ready ? "true" : "false") + R"(,"database":")" + database +
                                   R"(","migrations":")" + migrations + R"(","journal":")" +
                                   (journal_ok ? "ok" : "failing") + "\"}"};
}

// Waits (on the io_context) until every WebSocket is closed; past `deadline`
// tears down the ones whose clients did not answer the close handshake. Then
// waits until their disconnections are durable and stops the loop.
void stop_when_quiet(asio::io_context& io, net::Server& server, host::EngineHost& host,
                     std::chrono::steady_clock::time_point deadline, bool aborted = false) {
  auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
  timer->async_wait([&io, &server, &host, deadline, aborted, timer](const boost::system::error_code&) {
    if (server.connection_count() == 0) {
      host.when_durable([&io] { io.stop(); });
      return;
    }
    if (!aborted && std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn("{} client(s) did not close in time; disconnecting them", server.connection_count());
      server.abort_all();
      return stop_when_quiet(io, server, host, deadline, true);
    }
    stop_when_quiet(io, server, host, deadline, aborted);
  });
}

}  // namespace

int serve(const Config& config) {
  auto owner = connect_with_wait(config);
  if (!ensure_schema(*owner, config.auto_migrate)) return 1;
  if (!take_ownership_lock(*owner)) {
    spdlog::critical("another contactd is serving this database; refusing to start a second one");
    return 1;
  }
  const auto load_started = std::chrono::steady_clock::now();
  core::EngineState state = store::load_state(*owner);
  core::AudienceIndex audiences(state);
  tz::SystemZones zones;
  core::EngineOptions engine_options;
  engine_options.zones = &zones;
  core::Engine engine(std::move(state), engine_options);
  channels::AccountDirectory accounts;
  accounts.load(engine.provider_accounts());
  for (const auto* a : engine.provider_accounts()) accounts.load_templates(a->id, engine.templates(a->id));
  spdlog::info("state loaded in {} ms: {} users, journal at {}",
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - load_started)
                   .count(),
               engine.user_count(), engine.last_seq());

  core::SystemClock clock;
  store::PgJournal journal(config.database_url);
  journal.start();

  asio::io_context io(static_cast<int>(config.io_threads));
  asio::thread_pool workers(config.worker_threads);
  api::StreamRegistry streams(config.streams, clock, std::move(audiences));
  EffectRouter router(streams);
  host::EngineHost host(io, std::move(engine), clock, journal, router);
  channels::WebChatGateway webchat(io, host, config.webchat);
  router.watch(webchat);
  router.own_delivery(core::Channel::webchat, core::Provider::builtin, webchat);
  channels::BotClient bots(io, host);
  router.own<core::AskBot>(bots);

  // Provider channels: accounts, the media store, the outbox and the inbox.
  router.watch(accounts);
  attachments::AttachmentStore media(config.media, config.database_url, clock);
  store::PgOutbox outbox(config.database_url);
  const std::vector<store::OutboxRow> left = outbox.recover();
  std::vector<store::DueDelivery> due = outbox.deliveries(left);
  std::vector<store::OutboxRow> unconfirmed;
  for (const auto& row : left)
    if (row.state == "unknown") unconfirmed.push_back(row);
  outbox.start();
  store::PgInbox inbox(config.database_url);
  const std::vector<store::StoredInboxItem> unfed = inbox.unprocessed();
  const std::vector<store::PendingMedia> unfetched = store::pending_media(*owner);
  inbox.start();
  auto report = [&host](channels::OutboxSender::Report r) {
    core::ReportMessageStatus cmd{r.interaction, r.message, r.sent ? core::MessageState::sent : core::MessageState::failed,
                                  std::move(r.provider_message_id), std::move(r.error_code), std::move(r.error_text)};
    host.execute([cmd](core::Engine& e, core::TimePoint now) {
      return e.handle(core::Command{core::Actor::System(), cmd}, now);
    }, nullptr, /*client_work=*/false);
  };
  channels::OutboxSender sender(io, outbox, report, clock, config.providers.outbox);
  channels::whatsapp::ProviderClients provider_clients(io, config.providers.http);
  channels::whatsapp::CloudApiLink cloud_api(accounts, provider_clients, &media);
  const attachments::PublicUrlSigner public_urls(config.media_urls);
  if (public_urls.enabled())
    spdlog::info("outbound media have public URLs under {}/media/ (valid {} s{})", config.media_urls.base_url,
                 public_urls.ttl().count(),
                 config.media_urls.secret.empty() ? "; random secret: a restart invalidates them" : "");
  channels::whatsapp::GupshupLink gupshup(accounts, provider_clients, &public_urls, clock);
  sender.add_link(core::Provider::meta, cloud_api);
  sender.add_link(core::Provider::whatsapp_business, cloud_api);
  sender.add_link(core::Provider::gupshup, gupshup);
  for (auto provider : {core::Provider::meta, core::Provider::whatsapp_business, core::Provider::gupshup})
    router.own_delivery(core::Channel::whatsapp, provider, sender);
  // An effect nobody carries out is reported, never dropped in silence.
  router.on_unrouted([&report](const core::Effect& effect) {
    if (const auto* d = std::get_if<core::DeliverMessage>(&effect); d && d->provider != core::Provider::builtin)
      report({d->message.interaction, d->message.message, false, {}, "no_adapter",
              "contactd cannot deliver " + std::string(core::to_string(d->channel)) + " messages through " +
                  std::string(core::to_string(d->provider)) + " yet"});
  });
  channels::whatsapp::MediaFetchOptions fetch_options;
  fetch_options.max_bytes = config.media.max_upload_bytes;  // the largest file the store takes, from anyone
  fetch_options.private_addresses = config.providers.media_private_addresses;
  channels::whatsapp::MediaFetcher media_fetcher(io, host, accounts, provider_clients, media, fetch_options);
  channels::whatsapp::TemplateSync template_sync(host, accounts, provider_clients);
  router.own<core::FetchTemplates>(template_sync);
  channels::whatsapp::InboundFeeder feeder(host, inbox, outbox, sender, &media_fetcher);
  channels::whatsapp::WhatsAppWebhooks webhooks(accounts, inbox, feeder, config.providers.webhooks);
  store::HistoryReader history(config.database_url);
  api::Dispatcher dispatcher(host, streams, workers, history, clock, config.auth);
  api::install_protobuf_log_handler();
  dispatcher.set_media(media, public_urls.enabled());
  net::Server server(io, config.server, [&] { return probe(config, journal); });
  server.routes().websocket("/ws", dispatcher, /*binary=*/true);
  server.routes().websocket("/webchat/v1", webchat, /*binary=*/false);
  server.routes().page("/webchat/", "text/html; charset=utf-8", channels::kWebChatDemoPage);
  webhooks.add_routes(server.routes());
  api::AttachmentRoutes attachment_routes(host, media, workers, clock, [&webchat](std::string token, auto done) {
    webchat.interaction_of_token(std::move(token), std::move(done));
  }, public_urls);
  attachment_routes.add_routes(server.routes());

  std::uint16_t port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.server.address, config.server.port, e.what());
    journal.stop();
    return 1;
  }
  // No call outlives the process: calls of before a restart end first
  // (queued and ringing ones abandoned, connected ones finished).
  host.execute([](core::Engine& e, core::TimePoint now) {
    return e.handle(core::Command{core::Actor::System(), core::ResetCalls{}}, now);
  }, [](const core::Outcome&) {}, /*client_work=*/false);
  std::unique_ptr<sip::PhoneModule> phones;
  if (config.sip.enabled) {
    try {
      phones = std::make_unique<sip::PhoneModule>(host, config.sip);
      router.own<core::RingPhones>(*phones);
      router.own<core::StopRinging>(*phones);
      router.own<core::ControlCall>(*phones);
      router.own<core::PlaceCall>(*phones);
      router.own<core::TransferCall>(*phones);
    } catch (const std::exception& e) {
      spdlog::critical("cannot start SIP on {}:{}: {}", config.sip.address, config.sip.port, e.what());
      server.stop("server shutting down");
      journal.stop();
      return 1;
    }
  }
  host.start();
  // What the previous process left: sends, webhook items, media downloads.
  if (!due.empty() || !unconfirmed.empty() || !unfed.empty() || !unfetched.empty())
    spdlog::info("resuming {} unsent messages, {} unconfirmed sends, {} webhook items, {} media downloads", due.size(),
                 unconfirmed.size(), unfed.size(), unfetched.size());
  sender.resume(std::move(due), std::move(unconfirmed));
  for (const auto& item : unfed) feeder.feed(item);
  for (const auto& m : unfetched) media_fetcher.fetch(m.account, m.interaction, m.message, m.index, m.attachment);
  // Retention of closed interactions' files (and of uploads no message used).
  asio::steady_timer sweep_timer(io);
  std::function<void()> sweep_later = [&] {
    sweep_timer.expires_after(config.media.sweep_every);
    sweep_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      asio::post(workers, [&] {
        try {
          auto r = media.sweep(clock.now(), config.media.retention);
          if (r.expired + r.unbound)
            spdlog::info("media retention: {} files of closed interactions and {} unused uploads removed", r.expired,
                         r.unbound);
        } catch (const std::exception& e) {
          spdlog::error("media retention sweep failed: {}", e.what());
        }
      });
      sweep_later();
    });
  };
  sweep_later();

  // Clients get shutdown_grace to close; the whole shutdown ends within twice
  // that (plus a second for the journal's last drain) even when the database
  // refuses every write: what is not durable by then was never acknowledged,
  // and stays so.
  asio::steady_timer shutdown_deadline(io);
  std::chrono::steady_clock::time_point stop_by = std::chrono::steady_clock::time_point::max();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    stop_by = std::chrono::steady_clock::now() + config.shutdown_grace;
    shutdown_deadline.expires_at(stop_by + config.shutdown_grace);
    shutdown_deadline.async_wait([&](const boost::system::error_code& timer_ec) {
      if (timer_ec) return;
      spdlog::error("shutdown: not everything became durable within {} s (is the database refusing writes?);"
                    " unacknowledged commands stay unacknowledged",
                    2 * config.shutdown_grace.count());
      server.abort_all();
      io.stop();
    });
    sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
    server.stop("server shutting down");
    if (phones) phones->stop();  // phones retry REGISTERs answered by nobody
    sweep_timer.cancel();
    host.stop();
    // Everything accepted before the signal is made durable and answered first.
    host.when_durable([&] { stop_when_quiet(io, server, host, stop_by); });
  });

  spdlog::info("contactd listening on ws://{}:{}/ws (health: /healthz, /readyz)", config.server.address, port);
  sd_notifyf(0, "READY=1\nSTATUS=serving on port %u\nMAINPID=%lu", port, static_cast<unsigned long>(getpid()));

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config.io_threads; ++i) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  workers.join();
  // Normally everything is durable by now; after the deadline, a short last
  // drain only.
  journal.stop(stop_by == std::chrono::steady_clock::time_point::max()
                   ? std::chrono::milliseconds(config.shutdown_grace)
                   : std::chrono::milliseconds(std::chrono::seconds(1)));
  inbox.stop();
  outbox.stop();
  spdlog::info("contactd stopped");
  return 0;
}

int migrate(const Config& config) {
  auto conn = connect_with_wait(config);
  auto report = store::inspect_migrations(*conn);
  if (!report.problem.empty()) {
    spdlog::critical("cannot migrate: {}", report.problem);
    return 1;
  }
  if (report.pending.empty()) {
    spdlog::info("schema up to date ({} migrations applied)", report.applied.size());
    return 0;
  }
  return ensure_schema(*conn, true) ? 0 : 1;
}

}  // namespace contactd::app
