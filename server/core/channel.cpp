#include "core/channel.h"

#include <array>
#include <utility>

namespace contactd::core {
namespace {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (const auto& [v, name] : table)
    if (name == s) return v;
  return std::nullopt;
}

constexpr std::array<std::pair<Channel, std::string_view>, kChannelCount> kChannels{{
    {Channel::phone, "phone"},
    {Channel::whatsapp, "whatsapp"},
    {Channel::sms, "sms"},
    {Channel::email, "email"},
    {Channel::webchat, "webchat"},
    {Channel::instagram, "instagram"},
    {Channel::messenger, "messenger"},
}};

constexpr std::array<std::pair<Provider, std::string_view>, 7> kProviders{{
    {Provider::builtin, "builtin"},
    {Provider::meta, "meta"},
    {Provider::gupshup, "gupshup"},
    {Provider::whatsapp_business, "whatsapp_business"},
    {Provider::smtp, "smtp"},
    {Provider::sms_gateway, "sms_gateway"},
    {Provider::sip_trunk, "sip_trunk"},
}};

constexpr std::array<std::pair<Strategy, std::string_view>, 8> kStrategies{{
    {Strategy::manual, "manual"},
    {Strategy::longest_idle, "longest_idle"},
    {Strategy::round_robin, "round_robin"},
    {Strategy::fewest_active, "fewest_active"},
    {Strategy::least_talk_time, "least_talk_time"},
    {Strategy::agent_order, "agent_order"},
    {Strategy::random, "random"},
    {Strategy::ring_all, "ring_all"},
}};

}  // namespace

std::string_view to_string(Channel c) { return name_of(kChannels, c); }
std::optional<Channel> channel_from_string(std::string_view s) { return value_of(kChannels, s); }
std::string_view to_string(Provider p) { return name_of(kProviders, p); }
std::optional<Provider> provider_from_string(std::string_view s) { return value_of(kProviders, s); }
std::string_view to_string(Strategy s) { return name_of(kStrategies, s); }
std::optional<Strategy> strategy_from_string(std::string_view s) { return value_of(kStrategies, s); }

bool provider_serves(Provider p, Channel c) {
  switch (c) {
    case Channel::phone: return p == Provider::sip_trunk;
    case Channel::whatsapp: return p == Provider::meta || p == Provider::gupshup || p == Provider::whatsapp_business;
    case Channel::sms: return p == Provider::sms_gateway;
    case Channel::email: return p == Provider::smtp;
    case Channel::webchat: return p == Provider::builtin;
    case Channel::instagram:
    case Channel::messenger: return p == Provider::meta;
  }
  return false;
}

}  // namespace contactd::core
