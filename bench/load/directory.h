#pragma once
// The load benchmark's directory, written straight into a migrated database
// (engine + journal, as `contactd seed` does, without its per-user waits):
//   idle-N       campaigns holding the idle agents "agentN" (WebChat, unused)
//   work-N       WebChat campaigns, longest idle, served by "workerN"
//   publish      the campaign of the "pubN" agents who change status
//   "adminN"     administrators, the fan-out subscribers
//   "Lunch"      the status the publishers set and clear
// Every user's password is kPassword, hashed with argon2id at the minimum
// cost: logins are not what this benchmark measures.
#include <cstdint>
#include <string>
#include <vector>

namespace contactd::bench {

inline constexpr const char* kPassword = "load-pass";

struct DirectorySize {
  std::size_t idle_agents{10'000};
  std::size_t idle_campaigns{50};
  std::size_t workers{100};
  std::size_t work_campaigns{10};
  std::size_t publishers{10};
  std::size_t administrators{100};
};

struct Directory {
  std::vector<std::uint64_t> work_campaigns;
  std::uint64_t lunch_status{0};
};

Directory write_directory(const std::string& database_url, const DirectorySize& size);

}  // namespace contactd::bench
