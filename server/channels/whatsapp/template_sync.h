#pragma once
// Carries out FetchTemplates (an administrator's refresh_templates): reads
// the account's template listing from Meta's Graph API (every page, up to a
// bound), and saves each approved template as a system SaveTemplate, so the
// engine's R-OUT-3 checks know them. Templates the listing no longer has are
// left alone (an administrator deletes them). Failures are logged.
#include "channels/accounts.h"
#include "channels/whatsapp/provider_clients.h"
#include "host/engine_host.h"
#include "host/event_sink.h"

namespace contactd::channels::whatsapp {

class TemplateSync final : public host::EventSink {
 public:
  TemplateSync(host::EngineHost& host, AccountDirectory& accounts, ProviderClients& clients)
      : host_(host), accounts_(accounts), clients_(clients) {}

  void publish(const std::vector<core::Event>&) override {}
  void apply(const core::Effect& effect) override;

  static constexpr int kMaxPages = 50;

 private:
  void fetch_page(AccountPtr account, std::string cursor, int page);
  host::EngineHost& host_;
  AccountDirectory& accounts_;
  ProviderClients& clients_;
};

}  // namespace contactd::channels::whatsapp
