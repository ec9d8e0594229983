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

struct Inbox : Directory {
  ConnectionId next_connection{100};

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
