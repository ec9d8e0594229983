#pragma once
// WhatsApp provider accounts on the harness's fakes (fake_meta.h,
// fake_gupshup.h), saved and enabled over the API as an administrator would,
// and reading what the fakes received.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <string>

#include "harness/fake_gupshup.h"
#include "harness/fake_meta.h"
#include "world.h"

namespace contactd::test {

// Saves a Meta account for `meta`'s number with its secrets, reached at
// `base_url` (id 0: a new account, else replaces that one); returns its id.
inline std::uint64_t save_meta_account(Client& admin, const FakeMeta& meta, const std::string& base_url,
                                       std::uint64_t id = 0) {
  v1::Command c;
  auto* a = c.mutable_save_provider_account()->mutable_account();
  a->set_id(id);
  a->set_provider(v1::PROVIDER_META);
  a->set_name("Main number");
  a->set_phone_number_id(meta.account().phone_number_id);
  a->set_business_account_id(meta.account().waba_id);
  a->set_base_url(base_url);
  (*a->mutable_secrets())["access_token"] = meta.account().access_token;
  (*a->mutable_secrets())["app_secret"] = meta.account().app_secret;
  (*a->mutable_secrets())["verify_token"] = meta.account().verify_token;
  return created_id(admin.request(c));
}

// Saves a Gupshup account for `gupshup`'s app, its callback URL ending in
// `callback_token`; returns its id.
inline std::uint64_t save_gupshup_account(Client& admin, const FakeGupshup& gupshup, const std::string& callback_token) {
  v1::Command c;
  auto* a = c.mutable_save_provider_account()->mutable_account();
  a->set_provider(v1::PROVIDER_GUPSHUP);
  a->set_name("Gupshup number");
  a->set_app_name(gupshup.account().app_name);
  a->set_source_number(gupshup.account().source_number);
  a->set_base_url(gupshup.base_url());
  (*a->mutable_secrets())["api_key"] = gupshup.account().api_key;
  (*a->mutable_secrets())["callback_token"] = callback_token;
  return created_id(admin.request(c));
}

// `campaign`'s settings with WhatsApp through `account` beside WebChat
// (manual assignment), ready to send or to amend first.
inline v1::Command whatsapp_settings(std::uint64_t campaign, v1::Provider provider, std::uint64_t account) {
  auto settings = webchat_settings(campaign, v1::STRATEGY_MANUAL, {{v1::CHANNEL_WHATSAPP, provider}});
  for (auto& ch : *settings.mutable_update_campaign()->mutable_settings()->mutable_channels())
    if (ch.channel() == v1::CHANNEL_WHATSAPP) ch.set_account_id(account);
  return settings;
}

// The string at `path` in `v` ("" if absent; other values as JSON text).
inline std::string json_at(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* at = &v;
  for (const char* key : path) {
    if (!at->is_object() || !at->as_object().contains(key)) return "";
    at = &at->as_object().at(key);
  }
  return at->is_string() ? std::string(at->as_string()) : boost::json::serialize(*at);
}

}  // namespace contactd::test
