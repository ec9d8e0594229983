#pragma once
// Effects: instructions for adapters, carried out after the events of the same
// outcome are durable.
#include <string>
#include <variant>
#include <vector>

#include "core/channel.h"
#include "core/events.h"
#include "core/ids.h"

namespace contactd::core {

// Close a transport connection, telling the client why (it may resume elsewhere).
struct CloseConnection {
  ConnectionId connection{};
  std::string reason;
};

// Deliver an agent's or the bot's message to the customer through the
// interaction's channel (after the message is durable): through `provider`
// with `account` (0 and builtin: WebChat). A reply quotes the provider's id
// of the quoted message (empty when it has none).
struct DeliverMessage {
  Channel channel{};
  std::string customer;
  MessagePosted message;
  AccountId account{0};
  Provider provider{Provider::builtin};
  std::string reply_to_provider_id;
};

// Ask the campaign's bot what to do: at the start of the conversation and on
// every customer message while the interaction is with the bot (R-IN-1).
// The answer comes back as BotMessage(s) and BotAnswered; the engine's bot
// deadline hands the customer to the queue if it does not come in time.
struct AskBot {
  InteractionId interaction{};
  std::string url;
  std::string customer;
  std::string text;  // empty at the start
  Millis timeout{};
};

// Ring these agents' registered phones for the call of `interaction`
// (ring-all: several). The engine's ring deadline ends the offer.
struct RingPhones {
  InteractionId interaction{};
  std::string customer;  // shown on the phones
  struct Target {
    UserId agent{};
    std::string contact;  // the phone's registered Contact URI
  };
  std::vector<Target> targets;
};
// Stop ringing these agents' phones (the offer lapsed, someone else
// answered, or the caller hung up).
struct StopRinging {
  InteractionId interaction{};
  std::vector<UserId> agents;
};
// R-OUT-2: ring the agent's own phone, then call the customer through the
// outbound trunk and bridge them.
struct PlaceCall {
  InteractionId interaction{};
  std::string customer;  // cleaned number (digits, # and *)
  UserId agent{};
  std::string contact;  // the agent's registered phone
  Millis ring_timeout{};  // the agent's phone rings this long (the campaign's)
};
// A call's transfer (R-TR-2), for the phone module.
enum class TransferStep : std::uint8_t {
  ring_agent,   // caller to hold music, ring `target`'s phone (attended: the owner consults on answer)
  to_queue,     // caller to hold music, owner's phone released: the call waits in another campaign's queue
  to_number,    // caller to hold music, owner released, `number` dialled through the trunk and bridged
  complete,     // caller to `target` (the owner's phone released)
  back,         // the transfer is off: the target's phone stops, caller and owner talk again
};
struct TransferCall {
  InteractionId interaction{};
  TransferStep step{};
  UserId owner{kNoUser};
  UserId target{kNoUser};
  std::string contact;     // ring_agent: the target's phone
  std::string number;      // to_number
  std::string hold_music;  // the campaign's; empty: the default
  bool attended{false};
};
enum class CallAction : std::uint8_t { hold, resume, mute, unmute, digits, hang_up };
// An agent's action on their connected call.
struct ControlCall {
  InteractionId interaction{};
  CallAction action{};
  std::string digits;      // for `digits`
  std::string hold_music;  // for `hold`: the campaign's music; empty: the default
  UserId by{kNoUser};
};

// Fetch `account`'s templates from its provider's listing (RefreshTemplates).
struct FetchTemplates { AccountId account{}; };

using Effect = std::variant<CloseConnection, DeliverMessage, AskBot, RingPhones, StopRinging, ControlCall, PlaceCall,
                            TransferCall, FetchTemplates>;

}  // namespace contactd::core
