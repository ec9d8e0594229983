#include "channels/accounts.h"

#include <openssl/crypto.h>

namespace contactd::channels {

void AccountDirectory::load(const std::vector<const core::ProviderAccount*>& accounts) {
  std::lock_guard lock(mu_);
  for (const auto* a : accounts) accounts_[a->id] = std::make_shared<const core::ProviderAccount>(*a);
}

AccountPtr AccountDirectory::find(core::AccountId id) const {
  std::lock_guard lock(mu_);
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : it->second;
}

AccountPtr AccountDirectory::find_by_callback_token(std::string_view token) const {
  std::lock_guard lock(mu_);
  AccountPtr found;
  for (const auto& [id, account] : accounts_) {
    if (account->provider != core::Provider::gupshup) continue;
    auto it = account->secrets.find("callback_token");
    if (it == account->secrets.end() || it->second.size() != token.size()) continue;
    if (CRYPTO_memcmp(it->second.data(), token.data(), token.size()) == 0) found = account;
  }
  return found;
}

void AccountDirectory::publish(const std::vector<core::Event>& events) {
  for (const auto& e : events) {
    const auto* saved = std::get_if<core::ProviderAccountSaved>(&e.body);
    if (!saved) continue;
    auto copy = std::make_shared<const core::ProviderAccount>(saved->account);
    std::lock_guard lock(mu_);
    accounts_[saved->account.id] = std::move(copy);
  }
}

}  // namespace contactd::channels
