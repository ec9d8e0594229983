#include "channels/whatsapp/media_fetcher.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/parse.hpp>
#include <thread>

#include "attachments/attachment_store.h"
#include "channels/whatsapp/meta_send.h"

namespace contactd::channels::whatsapp {

namespace net = boost::asio;

// The fetcher's own thread: downloads and their file writes.
struct MediaFetcher::Downloads {
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> keep{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
};

struct MediaFetcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& i, net::io_context& d, host::EngineHost& h, AccountDirectory& a, ProviderClients& c,
       attachments::AttachmentStore& s, MediaFetchOptions o)
      : io(i), downloads(d), host(h), accounts(a), clients(c), store(s), options(o) {}

  net::io_context& io;
  net::io_context& downloads;  // valid while !stopped
  std::atomic<bool> stopped{false};
  host::EngineHost& host;
  AccountDirectory& accounts;
  ProviderClients& clients;
  attachments::AttachmentStore& store;
  MediaFetchOptions options;

  struct Job {
    core::AccountId account{};
    core::InteractionId interaction{};
    core::MessageId message{};
    std::uint32_t index{0};
    core::Attachment attachment;
    int attempt{0};
    std::string last_error;
  };
  using JobPtr = std::shared_ptr<Job>;

  void start(JobPtr job) {
    if (stopped) return;
    ++job->attempt;
    AccountPtr account = accounts.find(job->account);
    if (!account) return give_up(job, "the provider account no longer exists");
    const std::string& ref = job->attachment.provider_media_id;
    if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0) return download(job, account, ref);
    // Meta: the id resolves to a short-lived URL.
    std::shared_ptr<HttpClient> client;
    try {
      client = clients.client(account);
    } catch (const std::exception& e) {
      return give_up(job, e.what());
    }
    meta::CloudApiEndpoint endpoint;
    if (account->provider != core::Provider::whatsapp_business)
      endpoint = meta::CloudApiEndpoint{clients.options().meta_api_version, account->phone_number_id};
    auto spec = meta::media_lookup_request(endpoint, ref);
    client->request(spec.method, spec.path, {}, {}, [self = shared_from_this(), job, account](HttpResult r) {
      if (auto* f = std::get_if<HttpFailure>(&r)) return self->retry(job, "media lookup: " + f->detail);
      auto& response = std::get<HttpResponse>(r);
      if (response.status != 200)
        return self->retry(job, "media lookup answered HTTP " + std::to_string(response.status));
      auto lookup = meta::parse_media_lookup(response.body);
      if (auto* bad = std::get_if<ParseFailure>(&lookup)) return self->retry(job, "media lookup: " + bad->detail);
      const auto& found = std::get<meta::MediaLookup>(lookup);
      if (found.file_size > 0 && static_cast<std::uint64_t>(found.file_size) > self->options.max_bytes)
        return self->give_up(job, "the file is larger than " + std::to_string(self->options.max_bytes) + " bytes");
      if (job->attachment.content_type.empty()) job->attachment.content_type = found.mime_type;
      self->download(job, account, found.url);
    });
  }

  void download(JobPtr job, const AccountPtr& account, const std::string& url) {
    if (stopped) return;
    net::post(downloads, [self = shared_from_this(), job, account, url] { self->download_here(job, account, url); });
  }

  // On the fetcher's thread: the response's body streams into an Upload.
  void download_here(JobPtr job, const AccountPtr& account, const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return give_up(job, "the provider gave a malformed media URL");
    HttpClientOptions o;
    o.base_url = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
    // Meta's media URLs want the account's token; Gupshup's are signed URLs.
    if (account->provider != core::Provider::gupshup) o.default_headers = auth_headers(*account);
    o.ca_file = clients.options().ca_file;
    o.request_timeout = options.download_timeout;
    o.max_connections = 1;
    o.public_addresses_only = account->provider == core::Provider::gupshup && !options.private_addresses;
    std::shared_ptr<HttpClient> client;
    try {
      client = std::make_shared<HttpClient>(downloads, std::move(o));
    } catch (const std::exception& e) {
      return give_up(job, e.what());
    }
    auto begun = store.fetch_from(job->attachment.filename, job->attachment.content_type, options.max_bytes);
    if (auto* err = std::get_if<attachments::AttachmentError>(&begun)) return give_up(job, err->message);
    auto upload = std::make_shared<attachments::Upload>(std::move(std::get<attachments::Upload>(begun)));
    auto refusal = std::make_shared<std::optional<attachments::AttachmentError>>();
    HttpRequest request;
    request.target = std::string(parsed->encoded_path());
    if (request.target.empty()) request.target = "/";
    if (parsed->has_query()) request.target += "?" + std::string(parsed->encoded_query());
    request.sink = std::make_shared<HttpBodySink>(
        HttpBodySink{options.max_bytes, [upload, refusal](std::string_view chunk) -> std::optional<std::string> {
                       auto err = upload->write(chunk);
                       if (err) *refusal = *err;
                       return err ? std::optional<std::string>(err->message) : std::nullopt;
                     }});
    client->request(std::move(request), [self = shared_from_this(), job, client, upload, refusal](HttpResult r) {
      if (*refusal) return self->give_up(job, (*refusal)->message);
      if (auto* f = std::get_if<HttpFailure>(&r)) {
        upload->abort();
        if (f->error == HttpError::response_too_large)
          return self->give_up(job, "the file is larger than " + std::to_string(self->options.max_bytes) + " bytes");
        if (f->error == HttpError::forbidden_address)  // R-SEC-5: it will not become public by waiting
          return self->give_up(job, "the media URL's host is not a public address");
        return self->retry(job, "media download: " + f->detail);
      }
      auto& response = std::get<HttpResponse>(r);
      if (response.status != 200) {
        upload->abort();
        return self->retry(job, "media download answered HTTP " + std::to_string(response.status));
      }
      self->keep(job, *upload);
    });
  }

  void keep(JobPtr job, attachments::Upload& upload) {
    auto info = upload.finish();
    if (auto* err = std::get_if<attachments::AttachmentError>(&info)) {
      if (err->code == attachments::AttachmentErrorCode::unavailable || err->code == attachments::AttachmentErrorCode::io_error)
        return retry(job, err->message);
      return give_up(job, err->message);
    }
    const auto& stored = std::get<attachments::AttachmentInfo>(info);
    core::Attachment a = job->attachment;
    a.reference = stored.id;
    a.filename = stored.filename;
    a.size_bytes = stored.size_bytes;
    a.content_type = stored.content_type;
    a.state = core::AttachmentState::ready;
    a.provider_media_id.clear();
    report(job, std::move(a));
  }

  void retry(JobPtr job, std::string why) {
    if (stopped) return;
    job->last_error = std::move(why);
    if (job->attempt >= options.attempts) return give_up(job, job->last_error);
    spdlog::warn("whatsapp: media of message {} not fetched yet (attempt {} of {}): {}", job->message, job->attempt,
                 options.attempts, job->last_error);
    auto timer = std::make_shared<net::steady_timer>(io, options.first_retry * (1 << (job->attempt - 1)));
    timer->async_wait([self = shared_from_this(), job, timer](const boost::system::error_code& ec) {
      if (!ec) self->start(job);
    });
  }

  void give_up(JobPtr job, std::string why) {
    if (stopped) return;
    spdlog::error("whatsapp: media of message {} unavailable: {}", job->message, why);
    core::Attachment a = job->attachment;
    a.state = core::AttachmentState::unavailable;
    a.unavailable_reason = "media unavailable: " + why;
    if (a.unavailable_reason.size() > 500) a.unavailable_reason.resize(500);
    report(job, std::move(a));
  }

  void report(JobPtr job, core::Attachment a) {
    core::ReportAttachment cmd{job->interaction, job->message, job->index, std::move(a)};
    host.execute(
        [cmd](core::Engine& e, core::TimePoint now) { return e.handle(core::Command{core::Actor::System(), cmd}, now); },
        nullptr, /*client_work=*/false);
  }
};

MediaFetcher::MediaFetcher(net::io_context& io, host::EngineHost& host, AccountDirectory& accounts,
                           ProviderClients& clients, attachments::AttachmentStore& store, MediaFetchOptions options)
    : downloads_(std::make_unique<Downloads>()),
      impl_(std::make_shared<Impl>(io, downloads_->io, host, accounts, clients, store, options)) {
}

MediaFetcher::~MediaFetcher() {
  impl_->stopped = true;
  downloads_->keep.reset();
  downloads_->io.stop();
  downloads_->thread.join();
}

void MediaFetcher::fetch(core::AccountId account, core::InteractionId interaction, core::MessageId message,
                         std::uint32_t index, core::Attachment attachment) {
  auto job = std::make_shared<Impl::Job>();
  job->account = account;
  job->interaction = interaction;
  job->message = message;
  job->index = index;
  job->attachment = std::move(attachment);
  net::post(impl_->io, [impl = impl_, job] { impl->start(job); });
}

}  // namespace contactd::channels::whatsapp
