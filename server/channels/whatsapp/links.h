#pragma once
// The outbox sender's provider links for WhatsApp (delivery/provider_link.h):
// Meta's Cloud API (also the "WhatsApp Business" provider: a Cloud-API-
// compatible BSP with its own base URL and auth header) and Gupshup. They
// turn a DeliverMessage into the provider's request with the pure codecs
// (meta_send.h, gupshup_codec.h), send it with the account's HTTP client,
// and classify the answer. Media go to Meta by uploaded id (the file is
// uploaded first from the media store).
#include <memory>

#include "channels/accounts.h"
#include "channels/delivery/provider_link.h"
#include "channels/whatsapp/provider_clients.h"

namespace contactd::attachments {
class AttachmentStore;
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

class GupshupLink final : public ProviderLink {
 public:
  GupshupLink(AccountDirectory& accounts, ProviderClients& clients) : accounts_(accounts), clients_(clients) {}
  void send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) override;

 private:
  AccountDirectory& accounts_;
  ProviderClients& clients_;
};

}  // namespace contactd::channels::whatsapp
