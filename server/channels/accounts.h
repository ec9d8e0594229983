#pragma once
// The provider accounts as the channel adapters see them (links, webhooks,
// media fetchers): a thread-safe copy of the engine's accounts, with their
// secrets, kept current from ProviderAccountSaved events. Readers get an
// immutable snapshot of one account that stays valid while they hold it.
// Also the provider's ids of the accounts' templates (Gupshup's template
// UUIDs), kept current from TemplateSaved and TemplateDeleted, which the
// links resolve at send time.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/provider_account.h"
#include "host/event_sink.h"

namespace contactd::channels {

using AccountPtr = std::shared_ptr<const core::ProviderAccount>;

class AccountDirectory final : public host::EventSink {
 public:
  // At start, from the engine's state. REQUIRES: before the host starts.
  void load(const std::vector<const core::ProviderAccount*>& accounts);
  // At start, `account`'s templates. REQUIRES: before the host starts.
  void load_templates(core::AccountId account, const std::vector<core::Template>& templates);
  // Null when there is no such account.
  AccountPtr find(core::AccountId id) const;
  // The Gupshup account whose callback token is `token` (compared in
  // constant time against every account's); null when none.
  AccountPtr find_by_callback_token(std::string_view token) const;
  // The provider_template_id of `account`'s template (name, language) ("" for
  // a template the provider addresses by name); nullopt when no such
  // template is registered.
  std::optional<std::string> provider_template_id(core::AccountId account, std::string_view name,
                                                  std::string_view language) const;

  // On the engine strand, after durability.
  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect&) override {}

 private:
  mutable std::mutex mu_;
  std::map<core::AccountId, AccountPtr> accounts_;
  std::map<std::tuple<core::AccountId, std::string, std::string>, std::string, std::less<>> template_ids_;
};

}  // namespace contactd::channels
