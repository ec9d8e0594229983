#include "directory.h"

#include <chrono>
#include <stdexcept>

#include "auth/passwords.h"
#include "core/engine.h"
#include "store/journal.h"

namespace contactd::bench {

Directory write_directory(const std::string& database_url, const DirectorySize& size) {
  core::Engine engine;
  store::PgJournal journal(database_url);
  journal.start();
  const auto now = core::from_unix_ms(1'790'000'000'000);
  auto run = [&](core::CommandBody body) -> std::uint64_t {
    auto o = engine.handle(core::Command{core::Actor::System(), std::move(body)}, now);
    if (!o.ok()) throw std::runtime_error("directory: " + o.error->message);
    journal.append(std::move(o.events), nullptr);
    const auto* created = std::get_if<core::CreatedReply>(&o.reply);
    return created ? created->id : 0;
  };
  auth::init_crypto();
  const std::string hash = auth::hash_password(kPassword, auth::PasswordCost{1, 8 * 1024});

  core::CampaignSettings webchat;
  webchat.channels[core::index(core::Channel::webchat)] = core::ChannelSettings{true, core::Provider::builtin};
  webchat.strategy = core::Strategy::longest_idle;
  auto add_user = [&](const std::string& login, core::Profile profile, std::uint64_t campaign) {
    const auto id = run(core::CreateUser{login, login, profile, hash});
    if (campaign) run(core::SetMembership{id, campaign, true, 0, {}});
  };

  Directory d;
  d.lunch_status = run(core::DefineStatus{"Lunch"});
  std::vector<std::uint64_t> idle;
  for (std::size_t c = 0; c < size.idle_campaigns; ++c) idle.push_back(run(core::CreateCampaign{"idle-" + std::to_string(c), webchat}));
  for (std::size_t c = 0; c < size.work_campaigns; ++c)
    d.work_campaigns.push_back(run(core::CreateCampaign{"work-" + std::to_string(c), webchat}));
  const auto publish = run(core::CreateCampaign{"publish", core::CampaignSettings{}});
  for (std::size_t i = 0; i < size.idle_agents; ++i)
    add_user("agent" + std::to_string(i), core::Profile::agent, idle[i % idle.size()]);
  for (std::size_t i = 0; i < size.workers; ++i)
    add_user("worker" + std::to_string(i), core::Profile::agent, d.work_campaigns[i % d.work_campaigns.size()]);
  for (std::size_t i = 0; i < size.publishers; ++i) add_user("pub" + std::to_string(i), core::Profile::agent, publish);
  for (std::size_t i = 0; i < size.administrators; ++i)
    add_user("admin" + std::to_string(i), core::Profile::administrator, 0);
  journal.append_and_wait({});
  journal.stop(std::chrono::milliseconds(5000));
  return d;
}

}  // namespace contactd::bench
