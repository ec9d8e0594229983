#pragma once
// The provider accounts as the channel adapters see them (links, webhooks,
// media fetchers): a thread-safe copy of the engine's accounts, with their
// secrets, kept current from ProviderAccountSaved events. Readers get an
// immutable snapshot of one account that stays valid while they hold it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/provider_account.h"
#include "host/event_sink.h"

namespace contactd::channels {

using AccountPtr = std::shared_ptr<const core::ProviderAccount>;

class AccountDirectory final : public host::EventSink {
 public:
  // At start, from the engine's state. REQUIRES: before the host starts.
  void load(const std::vector<const core::ProviderAccount*>& accounts);
  // Null when there is no such account.
  AccountPtr find(core::AccountId id) const;
  // The Gupshup account whose callback token is `token` (compared in
  // constant time against every account's); null when none.
  AccountPtr find_by_callback_token(std::string_view token) const;

  // On the engine strand, after durability.
  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect&) override {}

 private:
  mutable std::mutex mu_;
  std::map<core::AccountId, AccountPtr> accounts_;
};

}  // namespace contactd::channels
