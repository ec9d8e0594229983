#pragma once
// The outbox sender's provider links for WhatsApp (delivery/provider_link.h):
// Meta's Cloud API (also the "WhatsApp Business" provider: a Cloud-API-
// compatible BSP with its own base URL and auth header) and Gupshup. They
// turn a DeliverMessage into the provider's request with the pure codecs
// (meta_send.h, gupshup_codec.h), send it with the account's HTTP client,
// and classify the answer. Media go to Meta by uploaded id (the file is
// uploaded first from the media store), to Gupshup by a signed public URL of
// the media store (attachments/public_url.h) that Gupshup downloads.
#include <memory>

#include "channels/accounts.h"
#include "channels/delivery/provider_link.h"
#include "channels/whatsapp/provider_clients.h"

namespace contactd::attachments {
class AttachmentStore;
class PublicUrlSigner;
}  // namespace contactd::attachments
namespace contactd::core {
class Clock;
}

namespace contactd::channels::whatsapp {

class CloudApiLink final : public ProviderLink {
 public:
  // `media`: where outbound attachments are read from (null: attachments fail).
  CloudApiLink(AccountDirectory& accounts, ProviderClients& clients, attachments::AttachmentStore* media)
      : accounts_(accounts), clients_(clients), media_(media) {}
  void send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) override;

 private:
  void send_message(const AccountPtr& account, const core::DeliverMessage& delivery, std::string media_id,
                    std::function<void(SendResult)> done);
  AccountDirectory& accounts_;
  ProviderClients& clients_;
  attachments::AttachmentStore* media_;
};

// Templates go by the template's provider_template_id (Gupshup's UUID), looked
// up in `accounts` when sent; an attachment goes as a URL signed by
// `public_urls` (null or not enabled: the message fails as media_unsupported;
// the API refuses such sends before commit, this covers older messages).
class GupshupLink final : public ProviderLink {
 public:
  GupshupLink(AccountDirectory& accounts, ProviderClients& clients, const attachments::PublicUrlSigner* public_urls,
              const core::Clock& clock)
      : accounts_(accounts), clients_(clients), public_urls_(public_urls), clock_(clock) {}
  void send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) override;

 private:
  AccountDirectory& accounts_;
  ProviderClients& clients_;
  const attachments::PublicUrlSigner* public_urls_;
  const core::Clock& clock_;
};

}  // namespace contactd::channels::whatsapp
