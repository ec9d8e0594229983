// `contactd seed FILE`: loads demo or bootstrap data (statuses, campaigns,
// users with memberships) through the engine, so it is journaled like any
// other change. Idempotent: what exists by name or login is left as it is.
#include <spdlog/spdlog.h>

#include <iostream>
#include <toml++/toml.h>

#include "auth/passwords.h"
#include "app/commands.h"
#include "app/database_tools.h"
#include "core/engine.h"
#include "auth/sip_digest.h"
#include "store/journal.h"
#include "store/loader.h"
#include "tz/system_zones.h"

namespace contactd::app {
namespace {

std::string required_string(const toml::table& t, const char* key, const std::string& where) {
  auto v = t[key].value<std::string>();
  if (!v) throw std::runtime_error(where + ": '" + key + "' is required and must be a string");
  return *v;
}

// Each enabled channel gets its usual provider.
core::Provider default_provider(core::Channel c) {
  switch (c) {
    case core::Channel::phone: return core::Provider::sip_trunk;
    case core::Channel::sms: return core::Provider::sms_gateway;
    case core::Channel::email: return core::Provider::smtp;
    case core::Channel::webchat: return core::Provider::builtin;
    case core::Channel::whatsapp:
    case core::Channel::instagram:
    case core::Channel::messenger: return core::Provider::meta;
  }
  return core::Provider::builtin;
}

std::vector<core::DispositionNode> dispositions(const toml::array& nodes, const std::string& where) {
  std::vector<core::DispositionNode> out;
  for (const auto& n : nodes) {
    const auto* t = n.as_table();
    if (!t) throw std::runtime_error(where + ": dispositions are tables {id, label, children}");
    core::DispositionNode node;
    node.id = static_cast<std::uint32_t>((*t)["id"].value_or(0));
    node.label = (*t)["label"].value_or(std::string());
    if ((*t)["type"].value_or(std::string("normal")) == "reschedule") node.type = core::DispositionType::reschedule;
    if (const auto* children = (*t)["children"].as_array()) node.children = dispositions(*children, where);
    out.push_back(std::move(node));
  }
  return out;
}

// [[provider_accounts]]: name, provider (meta, gupshup, whatsapp_business),
// phone_number_id, business_account_id, app_name, source_number, base_url,
// secrets = { access_token = "...", ... } (core/provider_account.h).
core::ProviderAccount provider_account(const toml::table& t, const std::string& where) {
  core::ProviderAccount a;
  a.name = required_string(t, "name", where);
  auto provider = core::provider_from_string(required_string(t, "provider", where));
  if (!provider) throw std::runtime_error(where + " " + a.name + ": unknown provider");
  a.provider = *provider;
  a.phone_number_id = t["phone_number_id"].value_or(std::string());
  a.business_account_id = t["business_account_id"].value_or(std::string());
  a.app_name = t["app_name"].value_or(std::string());
  a.source_number = t["source_number"].value_or(std::string());
  a.base_url = t["base_url"].value_or(std::string());
  if (const auto* secrets = t["secrets"].as_table())
    for (const auto& [key, value] : *secrets) a.secrets[std::string(key.str())] = value.value_or(std::string());
  return a;
}

// [[campaigns]]: name, strategy, channels = ["webchat", ...], transfer_timeout_seconds,
// comment_required, dispositions = [{id, label, children = [...]}]; phone:
// phone_number, ring_timeout_seconds, missed_calls_limit, wrap_up_seconds, hold_music;
// accounts = { whatsapp = "<provider account name>" }: the channel goes
// through that account (and takes its provider).
core::CampaignSettings campaign_settings(const toml::table& t, const std::string& where, const core::Engine& engine) {
  core::CampaignSettings s;
  if (auto name = t["strategy"].value<std::string>()) {
    auto strategy = core::strategy_from_string(*name);
    if (!strategy) throw std::runtime_error(where + ": unknown strategy '" + *name + "'");
    s.strategy = *strategy;
  }
  if (const auto* channels = t["channels"].as_array()) {
    for (const auto& c : *channels) {
      auto channel = core::channel_from_string(c.value_or(std::string()));
      if (!channel) throw std::runtime_error(where + ": unknown channel");
      s.channels[core::index(*channel)] = core::ChannelSettings{true, default_provider(*channel)};
    }
  }
  if (const auto* accounts = t["accounts"].as_table()) {
    for (const auto& [key, value] : *accounts) {
      auto channel = core::channel_from_string(key.str());
      if (!channel) throw std::runtime_error(where + ": accounts names an unknown channel");
      const std::string name = value.value_or(std::string());
      const core::ProviderAccount* account = nullptr;
      for (const auto* a : engine.provider_accounts())
        if (a->name == name) account = a;
      if (!account) throw std::runtime_error(where + ": no provider account named '" + name + "'");
      auto& c = s.channels[core::index(*channel)];
      c.provider = account->provider;
      c.account = account->id;
    }
  }
  if (auto seconds = t["transfer_timeout_seconds"].value<std::int64_t>()) s.transfer_timeout = std::chrono::seconds(*seconds);
  if (t["comment_required"].value_or(false)) s.comment_policy = core::CommentPolicy::required;
  // Phone.
  if (auto number = t["phone_number"].value<std::string>()) s.phone_number = *number;
  if (auto seconds = t["ring_timeout_seconds"].value<std::int64_t>()) s.ring_timeout = std::chrono::seconds(*seconds);
  if (auto n = t["missed_calls_limit"].value<std::int64_t>()) {
    if (*n < 0 || *n > 100) throw std::runtime_error(where + ": missed_calls_limit must be 0 to 100");
    s.missed_calls_limit = static_cast<std::uint16_t>(*n);
  }
  if (auto seconds = t["wrap_up_seconds"].value<std::int64_t>()) s.wrap_up = std::chrono::seconds(*seconds);
  if (auto music = t["hold_music"].value<std::string>()) s.hold_music = *music;
  if (const auto* nodes = t["dispositions"].as_array()) s.dispositions = dispositions(*nodes, where);
  return s;
}

}  // namespace

int seed(const Config& config, const std::string& seed_file) {
  toml::table doc;
  try {
    doc = toml::parse_file(seed_file);
  } catch (const toml::parse_error& e) {
    spdlog::critical("{}: {} at line {}", seed_file, e.description(), e.source().begin.line);
    return 2;
  }
  auto conn = connect_with_wait(config);
  if (!ensure_schema(*conn, false)) return 1;
  if (!take_ownership_lock(*conn)) {
    spdlog::critical("another contactd process is using this database; stop it before seeding");
    return 1;
  }
  tz::SystemZones zones;
  core::EngineOptions engine_options;
  engine_options.zones = &zones;
  core::Engine engine(store::load_state(*conn), engine_options);
  core::SystemClock clock;
  store::PgJournal journal(config.database_url);
  journal.start();

  auto run = [&](core::CommandBody body, const std::string& what) -> core::Outcome {
    auto o = engine.handle(core::Command{core::Actor::System(), std::move(body)}, clock.now());
    if (!o.ok()) throw std::runtime_error(what + ": " + o.error->message);
    if (!journal.append_and_wait(o.events)) throw std::runtime_error(what + ": the database refused it");
    return o;
  };

  try {
    if (auto* statuses = doc["statuses"].as_array()) {
      for (auto& node : *statuses) {
        const auto& t = *node.as_table();
        auto name = required_string(t, "name", seed_file + " [[statuses]]");
        if (!engine.find_status_by_name(name)) run(core::DefineStatus{name}, "status " + name);
      }
    }
    if (auto* accounts = doc["provider_accounts"].as_array()) {
      for (auto& node : *accounts) {
        auto account = provider_account(*node.as_table(), seed_file + " [[provider_accounts]]");
        bool exists = false;
        for (const auto* a : engine.provider_accounts()) exists = exists || a->name == account.name;
        if (!exists) run(core::SaveProviderAccount{account}, "provider account " + account.name);
      }
    }
    if (auto* campaigns = doc["campaigns"].as_array()) {
      for (auto& node : *campaigns) {
        const auto& t = *node.as_table();
        auto name = required_string(t, "name", seed_file + " [[campaigns]]");
        if (!engine.find_campaign_by_name(name))
          run(core::CreateCampaign{name, campaign_settings(t, seed_file + " campaign " + name, engine)}, "campaign " + name);
      }
    }
    std::cout << "\n  login            password          profile         campaigns\n";
    if (auto* users = doc["users"].as_array()) {
      for (auto& node : *users) {
        const auto& t = *node.as_table();
        const std::string where = seed_file + " [[users]]";
        auto login = required_string(t, "login", where);
        auto password = required_string(t, "password", where);
        auto profile_name = required_string(t, "profile", where);
        auto profile = core::profile_from_string(profile_name);
        if (!profile) throw std::runtime_error(where + " " + login + ": unknown profile '" + profile_name + "'");
        auto display = t["name"].value_or(login);
        if (!engine.find_user_by_login(login))
          run(core::CreateUser{login, display, *profile, auth::hash_password(password, config.auth.password_cost)},
              "user " + login);
        const core::UserId id = engine.find_user_by_login(login)->id;
        // sip_password: the user's desk phone registers with it (only its digest secret is kept).
        if (auto sip_password = t["sip_password"].value<std::string>(); sip_password && !sip_password->empty()) {
          if (engine.find_user(id)->sip_secret.empty()) {
            core::UpdateUser update{id};
            update.sip_secret = auth::digest_secret(login, config.sip.realm, *sip_password);
            run(update, "SIP password of " + login);
          }
        }
        std::string campaign_list;
        if (auto* campaigns = t["campaigns"].as_array()) {
          for (auto& c : *campaigns) {
            auto name = c.value<std::string>().value_or("");
            const core::Campaign* campaign = engine.find_campaign_by_name(name);
            if (!campaign) throw std::runtime_error(where + " " + login + ": no campaign named '" + name + "'");
            run(core::SetMembership{id, campaign->id, true}, "membership " + login + " in " + name);
            campaign_list += (campaign_list.empty() ? "" : ", ") + name;
          }
        }
        std::printf("  %-16s %-17s %-15s %s\n", login.c_str(), password.c_str(), profile_name.c_str(),
                    campaign_list.c_str());
      }
    }
    std::cout << std::endl;
  } catch (const std::exception& e) {
    spdlog::critical("seed failed: {}", e.what());
    journal.stop();
    return 1;
  }
  journal.stop();
  return 0;
}

}  // namespace contactd::app
