#pragma once
// Provider accounts and WhatsApp message templates (issue 12). An account is
// how contactd reaches a provider: its public identifiers, its API base URL
// and its secrets. Administrators save accounts and attach one to a
// campaign's channel (ChannelSettings::account); inbound traffic of the
// account goes to that campaign (R-IN-1).
//
// Secrets are write-only: they travel in the engine's commands and events in
// memory, and are stored in provider_accounts.secrets by the projection, but
// the journal's payloads and everything sent to clients omit them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/channel.h"
#include "core/error.h"

namespace contactd::core {

using AccountId = std::uint64_t;

struct ProviderAccount {
  AccountId id{0};  // 0 in SaveProviderAccount: a new account
  Provider provider{Provider::meta};
  std::string name;  // unique, shown to administrators
  std::string phone_number_id, business_account_id;  // meta / whatsapp_business
  std::string app_name, source_number;                // gupshup
  std::string base_url;                               // provider API base; empty: the provider's default
  std::map<std::string, std::string> secrets;         // access_token, app_secret, verify_token, api_key, auth_header...
  friend bool operator==(const ProviderAccount&, const ProviderAccount&) = default;
};

// Whether `p` is reached through a provider account (Meta, Gupshup, WhatsApp
// Business for now). A campaign channel using such a provider needs one.
bool has_accounts(Provider p);

// The secrets an account of `p` must have, and those it may have.
//  meta: access_token, app_secret (X-Hub-Signature-256), verify_token (the GET handshake).
//  gupshup: api_key, callback_token (Gupshup signs nothing: its callback URL
//    carries this token, /hooks/gupshup/<callback_token>; 16 to 128 of A-Z a-z 0-9 _ -).
//  whatsapp_business: auth_header ("Name: value", e.g. "D360-API-KEY: ..."),
//    optionally app_secret when the BSP signs its webhooks like Meta.
std::vector<std::string_view> required_secrets(Provider p);
std::vector<std::string_view> optional_secrets(Provider p);

// The account as a whole (after SaveProviderAccount merged kept secrets in):
// a name, a provider with accounts, its public fields (meta: phone_number_id
// and business_account_id; gupshup: app_name and source_number;
// whatsapp_business: base_url), base_url http(s) if set, exactly the
// provider's secrets, each 1 to 4096 bytes without control characters.
MaybeError validate(const ProviderAccount& account);

// --- Templates (HSM), per account ---

struct Template {
  std::string name;      // as approved by the provider: a-z 0-9 _ (1..512)
  std::string language;  // e.g. "en_US", "pt_BR"
  std::string category;  // marketing, utility or authentication
  std::string body;      // with parameters {{1}}..{{n}}
  std::string header_media;  // "", image, video, document
  std::vector<std::string> buttons;  // quick-reply labels, at most 10
  // The provider's id: Gupshup's template UUID (Gupshup sends a template by
  // it); empty for Meta (name + language). At most 128 of A-Z a-z 0-9 - _.
  std::string provider_template_id;
  friend bool operator==(const Template&, const Template&) = default;
};
MaybeError validate(const Template& t);
// validate(t), and what the account's provider needs to send it: a Gupshup
// template needs its provider_template_id.
MaybeError validate(const Template& t, Provider provider);
// The highest {{n}} in `body` (0: none).
std::size_t parameter_count(std::string_view body);

// A template sent as a message: its parameters in order, and the media
// store's attachment id for a header with media.
struct TemplateUse {
  std::string name, language;
  std::vector<std::string> parameters;
  std::string header_attachment;
  friend bool operator==(const TemplateUse&, const TemplateUse&) = default;
};
// The text the agent and history see: the body with the parameters filled
// in; invalid_argument naming the template when the count is wrong, a
// parameter is empty or holds line breaks or tabs, or the header media is
// missing or not expected. REQUIRES: t is the template `use` names.
std::variant<std::string, Error> fill(const Template& t, const TemplateUse& use);

}  // namespace contactd::core
