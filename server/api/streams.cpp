#include "api/streams.h"

#include <algorithm>
#include <variant>

#include "api/frames.h"
#include "wire/mapping.h"

namespace contactd::api {

StreamRegistry::StreamRegistry(StreamOptions options, const core::Clock& clock, core::AudienceIndex audiences)
    : options_(options), clock_(clock), audiences_(std::move(audiences)) {}

void StreamRegistry::push(Stream& s, std::string_view event_bytes) {
  ++s.seq;
  if (!s.peer && !s.lost && clock_.now() - s.detached_at > options_.resume_window) {
    s.lost = true;  // gone too long: stop holding frames for it
    s.buffer.clear();
  }
  net::Frame frame = event_frame(s.seq, event_bytes);
  if (!s.lost) {
    s.buffer.emplace_back(s.seq, frame);
    if (s.buffer.size() > options_.buffer_events) s.buffer.pop_front();
  }
  if (s.peer) s.peer->send(std::move(frame));
}

void StreamRegistry::publish(const std::vector<core::Event>& events) {
  wire::v1::Event message;
  std::string bytes;
  for (const auto& event : events) {
    audiences_.apply(event);
    if (const auto* ended = std::get_if<core::SessionEnded>(&event.body)) {
      remove(ended->session);
      continue;
    }
    if (event.audience.empty()) continue;
    message.Clear();
    wire::to_proto(event, &message);
    bytes.clear();
    message.SerializeToString(&bytes);
    for (core::UserId user : audiences_.resolve(event.audience)) {
      auto [first, last] = sessions_of_user_.equal_range(user);
      for (auto it = first; it != last; ++it) push(streams_.at(it->second), bytes);
    }
    if (spies_.empty()) continue;
    const auto interaction = core::interaction_of(event.body);
    if (!interaction) continue;
    auto spied = spies_.find(*interaction);
    if (spied == spies_.end()) continue;
    for (core::SessionId session : spied->second) {
      Stream& s = streams_.at(session);
      if (!audiences_.includes(event.audience, s.user)) push(s, bytes);  // else it has it already
    }
    if (std::holds_alternative<core::InteractionClosed>(event.body)) spies_.erase(spied);
  }
}

bool StreamRegistry::spy(core::SessionId session, core::InteractionId interaction, bool on) {
  auto& spying = spies_[interaction];
  auto it = std::find(spying.begin(), spying.end(), session);
  if (!on) {
    if (it != spying.end()) spying.erase(it);
    if (spying.empty()) spies_.erase(interaction);
    return true;
  }
  if (it != spying.end()) return true;
  std::size_t count = 0;
  for (const auto& [id, sessions] : spies_) count += std::count(sessions.begin(), sessions.end(), session);
  if (count >= kMaxSpied) {
    if (spying.empty()) spies_.erase(interaction);
    return false;
  }
  spying.push_back(session);
  return true;
}

void StreamRegistry::stop_spying(core::SessionId session) {
  for (auto it = spies_.begin(); it != spies_.end();) {
    std::erase(it->second, session);
    it = it->second.empty() ? spies_.erase(it) : std::next(it);
  }
}

void StreamRegistry::apply(const core::Effect& effect) {
  if (const auto* close = std::get_if<core::CloseConnection>(&effect)) {
    auto peer = peers_.find(close->connection);
    if (peer == peers_.end()) return;
    peer->second->close(net::CloseCode::normal, close->reason);
    detach(close->connection);
  }
}

std::uint64_t StreamRegistry::open(core::SessionId session, core::UserId user, net::PeerPtr peer) {
  Stream s;
  s.session = session;
  s.user = user;
  session_of_connection_[peer->id()] = session;
  peers_[peer->id()] = peer;
  s.peer = std::move(peer);
  streams_.emplace(session, std::move(s));
  sessions_of_user_.emplace(user, session);
  return 0;
}

StreamRegistry::Resumed StreamRegistry::resume(core::SessionId session, core::UserId user, std::uint64_t last_seq,
                                               net::PeerPtr peer) {
  Resumed out;
  auto it = streams_.find(session);
  if (it == streams_.end()) {
    // Unknown here (the server restarted): continue numbering from the client's view.
    Stream s;
    s.session = session;
    s.user = user;
    s.seq = last_seq;
    it = streams_.emplace(session, std::move(s)).first;
    sessions_of_user_.emplace(user, session);
    out.resync = true;
  }
  Stream& s = it->second;
  if (!out.resync) {
    const bool future = last_seq > s.seq;
    const bool missing = last_seq < s.seq && (s.buffer.empty() || s.buffer.front().first > last_seq + 1);
    out.resync = s.lost || future || missing;
  }
  if (out.resync) {
    s.buffer.clear();
    s.lost = false;
  } else {
    for (const auto& [seq, frame] : s.buffer)
      if (seq > last_seq) out.replay.push_back(frame);
  }
  if (s.peer) session_of_connection_.erase(s.peer->id());  // superseded: closed by its own effect
  session_of_connection_[peer->id()] = session;
  peers_[peer->id()] = peer;
  s.peer = std::move(peer);
  out.seq = s.seq;
  return out;
}

void StreamRegistry::detach(core::ConnectionId connection) {
  peers_.erase(connection);
  auto it = session_of_connection_.find(connection);
  if (it == session_of_connection_.end()) return;
  auto stream = streams_.find(it->second);
  if (stream != streams_.end() && stream->second.peer && stream->second.peer->id() == connection) {
    stream->second.peer.reset();
    stream->second.detached_at = clock_.now();
  }
  session_of_connection_.erase(it);
}

void StreamRegistry::remove(core::SessionId session) {
  auto it = streams_.find(session);
  if (it == streams_.end()) return;
  if (!spies_.empty()) stop_spying(session);
  if (it->second.peer) session_of_connection_.erase(it->second.peer->id());
  auto [first, last] = sessions_of_user_.equal_range(it->second.user);
  for (auto u = first; u != last; ++u) {
    if (u->second == session) {
      sessions_of_user_.erase(u);
      break;
    }
  }
  streams_.erase(it);
}

}  // namespace contactd::api
