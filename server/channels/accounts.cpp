#include "channels/accounts.h"

#include <openssl/crypto.h>

namespace contactd::channels {

void AccountDirectory::load(const std::vector<const core::ProviderAccount*>& accounts) {
  std::lock_guard lock(mu_);
  for (const auto* a : accounts) accounts_[a->id] = std::make_shared<const core::ProviderAccount>(*a);
}

void AccountDirectory::load_templates(core::AccountId account, const std::vector<core::Template>& templates) {
  std::lock_guard lock(mu_);
  for (const auto& t : templates) template_ids_[{account, t.name, t.language}] = t.provider_template_id;
}

std::optional<std::string> AccountDirectory::provider_template_id(core::AccountId account, std::string_view name,
                                                                  std::string_view language) const {
  std::lock_guard lock(mu_);
  auto it = template_ids_.find(std::tuple{account, std::string(name), std::string(language)});
  if (it == template_ids_.end()) return std::nullopt;
  return it->second;
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
    if (const auto* t = std::get_if<core::TemplateSaved>(&e.body)) {
      std::lock_guard lock(mu_);
      template_ids_[{t->account, t->definition.name, t->definition.language}] = t->definition.provider_template_id;
      continue;
    }
    if (const auto* t = std::get_if<core::TemplateDeleted>(&e.body)) {
      std::lock_guard lock(mu_);
      template_ids_.erase(std::tuple{t->account, t->name, t->language});
      continue;
    }
    const auto* saved = std::get_if<core::ProviderAccountSaved>(&e.body);
    if (!saved) continue;
    auto copy = std::make_shared<const core::ProviderAccount>(saved->account);
    std::lock_guard lock(mu_);
    accounts_[saved->account.id] = std::move(copy);
  }
}

}  // namespace contactd::channels
