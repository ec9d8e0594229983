#pragma once
// One HTTP client per provider account, built from the account's base URL
// and credentials and rebuilt when the account changes. Shared by the links
// (sends) and the media fetchers of the WhatsApp providers.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "channels/accounts.h"
#include "channels/http_client.h"

namespace contactd::channels::whatsapp {

struct ProviderHttpOptions {
  std::string meta_base_url{"https://graph.facebook.com"};  // when an account has no base_url
  std::string gupshup_base_url{"https://api.gupshup.io"};
  std::string meta_api_version{"v21.0"};
  std::string ca_file;  // PEM CAs trusted besides the system store (tests: the fakes' CA)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{20000};
  std::size_t max_connections{8};  // per account
};

class ProviderClients {
 public:
  ProviderClients(boost::asio::io_context& io, ProviderHttpOptions options) : io_(io), options_(std::move(options)) {}

  // The client for `account` (its base URL, its auth header). Thread-safe.
  // Throws std::invalid_argument when the account's base URL is not http(s).
  std::shared_ptr<HttpClient> client(const AccountPtr& account);
  const ProviderHttpOptions& options() const { return options_; }

 private:
  struct Entry {
    AccountPtr account;  // the snapshot the client was built from
    std::shared_ptr<HttpClient> client;
  };
  boost::asio::io_context& io_;
  ProviderHttpOptions options_;
  std::mutex mu_;
  std::map<core::AccountId, Entry> clients_;
};

// The Authorization (or the BSP's) header an account's requests carry.
HttpHeaders auth_headers(const core::ProviderAccount& account);

}  // namespace contactd::channels::whatsapp
