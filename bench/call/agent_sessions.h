#pragma once
// The agents' API sessions: contactd offers calls only to agents connected
// over its WebSocket API, so each agent logs in (Beast WebSocket, protobuf
// Envelopes, as load_bench's clients) and stays connected while the calls
// run. One io_context on a thread of its own reads every event the agents get
// (offers, assignments, finishes...) so no session falls behind and gets
// dropped.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace contactd::bench::call {

class AgentSessions {
 public:
  // `count_kinds`: parse every event and count them by kind (costs the
  // generator CPU; for finding out what the agents are sent).
  explicit AgentSessions(std::uint16_t api_port, bool count_kinds = false);
  ~AgentSessions();  // closes every session, joins the thread
  AgentSessions(const AgentSessions&) = delete;
  AgentSessions& operator=(const AgentSessions&) = delete;

  // Logs every login in with `password`, `window` at a time; returns how many
  // succeeded (within two minutes).
  std::size_t login_all(const std::vector<std::string>& logins, const std::string& password, std::size_t window);
  int thread_id() const { return tid_.load(); }  // its io thread's
  std::size_t open() const;                                     // sessions still connected
  std::uint64_t frames() const { return frames_.load(); }      // events received by all agents
  std::map<std::string, std::uint64_t> kinds() const;         // with count_kinds: events by kind

  struct State;

 private:
  std::unique_ptr<State> s_;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<int> tid_{0};
};

}  // namespace contactd::bench::call
