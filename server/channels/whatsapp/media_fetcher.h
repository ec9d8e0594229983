#pragma once
// Fetches inbound provider media into the media store after the message is
// stored (never before: a failed download must not lose the message), then
// reports the attachment to the engine: ready with its store id, or, after
// the retries, unavailable with the reason ("media unavailable" for agents).
// Meta: GET /<ver>/<media id> for a short-lived URL, then GET that URL with
// the account's token. Gupshup: GET the (expiring) URL it sent.
// Thread-safe. The download streams into an attachments::Upload (sniffing,
// the size limit and SHA-256 as for an agent's upload): at most one 64 KiB
// chunk of the file is in memory. Downloads, their file writes and the
// upload's finish (fsync, the row) run on the fetcher's own thread (one
// io_context of its own), never on the I/O threads that serve HTTP and
// WebSocket; the Graph lookup and the retry timers run on `io`.
#include <chrono>
#include <memory>

#include "channels/accounts.h"
#include "channels/whatsapp/provider_clients.h"
#include "core/message.h"
#include "host/engine_host.h"

namespace contactd::attachments {
class AttachmentStore;
}

namespace contactd::channels::whatsapp {

struct MediaFetchOptions {
  int attempts{4};
  std::chrono::milliseconds first_retry{std::chrono::seconds(2)};  // doubled after each failure
  std::uint64_t max_bytes{100ull * 1024 * 1024};                  // WhatsApp's largest (documents)
  std::chrono::milliseconds download_timeout{std::chrono::minutes(2)};  // one whole download
  // R-SEC-5: a URL from a Gupshup callback (unsigned: whoever knows the
  // callback URL can post one) is fetched from public addresses only, unless
  // this allows private ones. Meta's URLs come from its authenticated answers.
  bool private_addresses{false};
};

class MediaFetcher {
 public:
  MediaFetcher(boost::asio::io_context& io, host::EngineHost& host, AccountDirectory& accounts, ProviderClients& clients,
               attachments::AttachmentStore& store, MediaFetchOptions options = {});
  // Stops the fetcher's thread: downloads under way are abandoned (their
  // temporary files removed) and their messages keep waiting for the next
  // start, which fetches what is still pending.
  ~MediaFetcher();
  MediaFetcher(const MediaFetcher&) = delete;
  MediaFetcher& operator=(const MediaFetcher&) = delete;

  void fetch(core::AccountId account, core::InteractionId interaction, core::MessageId message, std::uint32_t index,
             core::Attachment attachment);

 private:
  struct Impl;
  struct Downloads;
  std::unique_ptr<Downloads> downloads_;  // the fetcher's thread and io_context: before impl_, gone after it
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::channels::whatsapp
