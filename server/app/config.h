#pragma once
// The daemon's configuration: TOML file, then environment overrides
// (CONTACTD_DATABASE_URL, CONTACTD_LOG_LEVEL). Unknown keys are errors, so a
// typo is caught at start instead of silently ignored.
#include <stdexcept>
#include <string>

#include "api/dispatcher.h"
#include "net/server.h"
#include "api/streams.h"
#include "attachments/options.h"
#include "attachments/public_url.h"
#include "channels/delivery/outbox_sender.h"
#include "channels/webchat/options.h"
#include "channels/whatsapp/provider_clients.h"
#include "channels/whatsapp/webhooks.h"
#include "sip/phone_module.h"

namespace contactd::app {

struct Config {
  net::ServerOptions server;
  unsigned io_threads{2};
  unsigned worker_threads{2};
  api::StreamOptions streams;
  std::string database_url;  // empty: libpq defaults (PGHOST, PGPORT, ...)
  bool auto_migrate{false};
  std::chrono::seconds connect_wait{30};
  api::DispatcherOptions auth;
  std::string log_level{"info"};
  std::string log_target{"auto"};  // auto | stderr | journal
  std::chrono::seconds shutdown_grace{5};
  channels::WebChatOptions webchat;
  sip::SipOptions sip;
  attachments::AttachmentOptions media;
  attachments::PublicUrlOptions media_urls;  // [media] public_base_url, url_secret, public_url_ttl_seconds
  struct Providers {
    channels::whatsapp::ProviderHttpOptions http;
    channels::OutboxSenderOptions outbox;
    channels::whatsapp::WebhookOptions webhooks;
    // Media URLs in provider callbacks (Gupshup's are unsigned) may name
    // loopback, private and link-local addresses (R-SEC-5; tests, labs).
    bool media_private_addresses{false};
  } providers;
};

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `path` empty: defaults plus environment. Throws ConfigError with the file,
// key and reason.
Config load_config(const std::string& path);

}  // namespace contactd::app
