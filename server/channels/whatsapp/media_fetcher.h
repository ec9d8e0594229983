#pragma once
// Fetches inbound provider media into the media store after the message is
// stored (never before: a failed download must not lose the message), then
// reports the attachment to the engine: ready with its store id, or, after
// the retries, unavailable with the reason ("media unavailable" for agents).
// Meta: GET /<ver>/<media id> for a short-lived URL, then GET that URL with
// the account's token. Gupshup: GET the (expiring) URL it sent.
// Thread-safe; downloads run on the io_context, file writes on the caller's
// thread of the download's completion (small: one chunk at a time is not
// possible with a buffered client, so a download is bounded by `max_bytes`).
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
};

class MediaFetcher {
 public:
  MediaFetcher(boost::asio::io_context& io, host::EngineHost& host, AccountDirectory& accounts, ProviderClients& clients,
               attachments::AttachmentStore& store, MediaFetchOptions options = {});
  ~MediaFetcher();

  void fetch(core::AccountId account, core::InteractionId interaction, core::MessageId message, std::uint32_t index,
             core::Attachment attachment);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::channels::whatsapp
