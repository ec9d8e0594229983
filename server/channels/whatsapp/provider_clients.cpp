#include "channels/whatsapp/provider_clients.h"

namespace contactd::channels::whatsapp {

namespace {

std::string secret(const core::ProviderAccount& a, const std::string& name) {
  auto it = a.secrets.find(name);
  return it == a.secrets.end() ? std::string() : it->second;
}

}  // namespace

HttpHeaders auth_headers(const core::ProviderAccount& account) {
  switch (account.provider) {
    case core::Provider::meta:
      return {{"Authorization", "Bearer " + secret(account, "access_token")}};
    case core::Provider::gupshup:
      return {{"apikey", secret(account, "api_key")}};
    case core::Provider::whatsapp_business: {
      // "Name: value", as the administrator gave it.
      const std::string line = secret(account, "auth_header");
      const auto colon = line.find(':');
      if (colon == std::string::npos) return {};
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      return {{line.substr(0, colon), value}};
    }
    default:
      return {};
  }
}

std::shared_ptr<HttpClient> ProviderClients::client(const AccountPtr& account) {
  std::lock_guard lock(mu_);
  auto& e = clients_[account->id];
  if (e.client && e.account && *e.account == *account) return e.client;
  HttpClientOptions o;
  o.base_url = account->base_url;
  if (o.base_url.empty())
    o.base_url = account->provider == core::Provider::gupshup ? options_.gupshup_base_url : options_.meta_base_url;
  o.default_headers = auth_headers(*account);
  o.connect_timeout = options_.connect_timeout;
  o.request_timeout = options_.request_timeout;
  o.max_connections = options_.max_connections;
  o.max_response_body = 1024 * 1024;
  o.ca_file = options_.ca_file;
  e.client = std::make_shared<HttpClient>(io_, std::move(o));
  e.account = account;
  return e.client;
}

}  // namespace contactd::channels::whatsapp
