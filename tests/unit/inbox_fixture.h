#pragma once
// A directory whose campaigns have WebChat enabled, with helpers for the inbox.
#include "fixture.h"

namespace contactd::test {

inline CampaignSettings webchat(Strategy strategy) {
  CampaignSettings s;
  s.channels[index(Channel::webchat)] = ChannelSettings{true, Provider::builtin};
  s.strategy = strategy;
  s.transfer_timeout = 30s;
  return s;
}

// Three levels: Sale > {Paid > {Card, Cash}, Quote}; No sale; Call back (reschedule).
inline std::vector<DispositionNode> three_levels() {
  return {
      DispositionNode{1, "Sale", DispositionType::normal,
                      {DispositionNode{2, "Paid", DispositionType::normal,
                                       {DispositionNode{3, "Card", DispositionType::normal, {}},
                                        DispositionNode{4, "Cash", DispositionType::normal, {}}}},
                       DispositionNode{5, "Quote", DispositionType::normal, {}}}},
      DispositionNode{6, "No sale", DispositionType::normal, {}},
      DispositionNode{7, "Call back", DispositionType::reschedule, {}},
  };
}

// A provider account with every required secret (provider_account.h).
inline ProviderAccount provider_account(Provider p, std::string name) {
  ProviderAccount a;
  a.provider = p;
  a.name = std::move(name);
  switch (p) {
    case Provider::meta:
      a.phone_number_id = "106540352242922";
      a.business_account_id = "102290129340398";
      a.secrets = {{"access_token", "EAAG-token"}, {"app_secret", "app-secret"}, {"verify_token", "verify-me"}};
      break;
    case Provider::gupshup:
      a.app_name = "DemoApp";
      a.source_number = "918000000000";
      a.secrets = {{"api_key", "gs-key"}, {"callback_token", "0123456789abcdef0123"}};
      break;
    default:
      a.base_url = "https://waba.example.com/v1";
      a.secrets = {{"auth_header", "D360-API-KEY: k"}};
      break;
  }
  return a;
}

struct Inbox : Directory {
  ConnectionId next_connection{100};

  // Saves a provider account (as the system) and returns its id.
  AccountId add_account(Provider p = Provider::meta, std::string name = "Main number") {
    return created(system(SaveProviderAccount{provider_account(p, std::move(name))}));
  }

  void configure(CampaignId c, CampaignSettings s) { REQUIRE(system(UpdateCampaign{c, std::move(s)}).ok()); }
  // Connections are numbered 101, 102, ... in the order of connect() calls.
  void connect(UserId u) {
    const ConnectionId connection = ++next_connection;
    REQUIRE(login(u, connection, "tok-" + std::to_string(connection)).ok());
  }
  InteractionId open(CampaignId c, std::string customer = "visitor", std::int32_t priority = 0) {
    auto o = system(OpenInteraction{c, Channel::webchat, std::move(customer), priority});
    INFO((o.error ? o.error->message : ""));
    REQUIRE(o.ok());
    return std::get<CreatedReply>(o.reply).id;
  }
  const Interaction& at(InteractionId id) {
    const Interaction* i = engine.find_interaction(id);
    REQUIRE(i);
    return *i;
  }
  UserId owner(InteractionId id) { return at(id).owner; }
};

}  // namespace contactd::test
