#pragma once
// What the stateful fuzz targets run the real API code on: a core::Engine
// with a small directory built through its own commands, hosted by a real
// host::EngineHost on an io_context that the target runs inline, a journal
// that is durable at once (no database), and peers that collect what they are
// sent. Everything is built afresh for each input, so a crash reproduces from
// its input alone.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>
#include <vector>

#include "net/peer.h"
#include "core/audience.h"
#include "core/engine.h"
#include "host/journal.h"

namespace contactd::fuzz {

// Durable as soon as appended.
class InlineJournal final : public host::Journal {
 public:
  void append(std::vector<core::Event>, Done done) override {
    if (done) done(true);
  }
  bool available() const override { return true; }
};

class CollectingPeer;
// With CONTACTD_FUZZ_DEBUG set, prints what each peer is sent (to read what
// a seed or a crash input reaches).
void debug_frame(const CollectingPeer& peer, const std::string& frame);

// A connection that keeps (a bounded number of) the frames it is sent.
class CollectingPeer final : public net::Peer {
 public:
  explicit CollectingPeer(core::ConnectionId id) : id_(id) {}
  core::ConnectionId id() const override { return id_; }
  const std::string& remote_address() const override { return address_; }
  void mark_authenticated() override { authenticated = true; }
  void send(net::Frame frame) override {
    debug_frame(*this, *frame);
    if (frames.size() < kKeptFrames) frames.push_back(std::move(frame));
  }
  void close(net::CloseCode, std::string) override { closed = true; }

  static constexpr std::size_t kKeptFrames = 256;
  std::vector<net::Frame> frames;
  bool authenticated{false};
  bool closed{false};

 private:
  core::ConnectionId id_;
  std::string address_{"192.0.2.10"};
};

// Users of the directory; each one's password is its login.
struct DirectoryIds {
  core::CampaignId sales{}, finance{};
  core::UserId ana{}, bob{}, sam{}, alice{};
};

// The directory: campaigns Sales and Finance; agents ana (Sales) and bob
// (Sales, Finance), supervisor sam (Sales), administrator alice. Password
// hashes use libsodium's cheapest argon2id cost (computed once per process).
struct Directory {
  core::Engine engine;
  core::AudienceIndex audiences;  // as of the directory's events
  DirectoryIds ids;
};
Directory make_directory(core::TimePoint now);

// Runs `io` and `workers` until neither has anything left to do now (timers
// that are not yet due stay pending).
void drain(boost::asio::io_context& io, boost::asio::thread_pool* workers = nullptr);

// Turns off spdlog and protobuf's own log lines.
void quiet_logs();

// Splits `data` at every occurrence of `separator`.
std::vector<std::string_view> split(std::string_view data, std::string_view separator);

}  // namespace contactd::fuzz
