#pragma once
// Channels, providers and assignment strategies, each with one to-string table.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>

namespace contactd::core {

enum class Channel : std::uint8_t { phone, whatsapp, sms, email, webchat, instagram, messenger };
inline constexpr std::size_t kChannelCount = 7;
using ChannelSet = std::bitset<kChannelCount>;

std::string_view to_string(Channel c);
std::optional<Channel> channel_from_string(std::string_view s);
inline std::size_t index(Channel c) { return static_cast<std::size_t>(c); }
inline bool is_text(Channel c) { return c != Channel::phone; }

// Who carries a channel's traffic. `builtin`: contactd itself (WebChat).
enum class Provider : std::uint8_t { builtin, meta, gupshup, whatsapp_business, smtp, sms_gateway, sip_trunk };
std::string_view to_string(Provider p);
std::optional<Provider> provider_from_string(std::string_view s);
// Whether `p` can carry `c` (WhatsApp: Meta, Gupshup, WhatsApp Business...).
bool provider_serves(Provider p, Channel c);

// How a campaign picks an agent for a pending interaction (R-IN-3).
enum class Strategy : std::uint8_t {
  manual,           // agents take from Pending themselves
  longest_idle,     // the agent idle for the longest time
  round_robin,      // the agent assigned least recently
  fewest_active,    // the agent with the fewest active interactions
  least_talk_time,  // the agent with the least accumulated handling time
  agent_order,      // the agent with the lowest priority number in the campaign
  random,           // any eligible agent, uniformly
  ring_all,         // phone: ring every eligible agent (text: as manual)
};
std::string_view to_string(Strategy s);
std::optional<Strategy> strategy_from_string(std::string_view s);
// Whether the strategy assigns (phone: rings) work in `channel` by itself.
inline bool auto_assigns(Strategy s, Channel channel) {
  return s != Strategy::manual && (s != Strategy::ring_all || channel == Channel::phone);
}

}  // namespace contactd::core
