#include "in_process.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <stdexcept>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include "auth/passwords.h"

namespace contactd::fuzz {
namespace {

using namespace contactd::core;

struct Builder {
  Directory& d;
  TimePoint now;

  std::uint64_t created(CommandBody body) {
    Outcome o = d.engine.handle(Command{Actor::System(), std::move(body)}, now);
    for (const auto& e : o.events) d.audiences.apply(e);
    if (!o.ok()) throw std::logic_error("fuzz directory: " + o.error->message);
    if (const auto* c = std::get_if<CreatedReply>(&o.reply)) return c->id;
    return 0;
  }
  UserId user(const std::string& login, Profile p) {
    // libsodium's minimum argon2id cost, hashed once per process: logins stay
    // cheap to fuzz.
    static const auth::PasswordCost cheap{1, 8192};
    static std::map<std::string, std::string> hashes;
    auto [it, fresh] = hashes.try_emplace(login);
    if (fresh) it->second = auth::hash_password(login, cheap);
    return created(CreateUser{login, login + " name", p, it->second});
  }
  void join(UserId u, CampaignId c) { created(SetMembership{u, c, true}); }
};

}  // namespace

Directory make_directory(TimePoint now) {
  static const bool crypto = (auth::init_crypto(), true);
  (void)crypto;
  Directory d;
  Builder b{d, now};
  d.ids.sales = b.created(CreateCampaign{"Sales"});
  d.ids.finance = b.created(CreateCampaign{"Finance"});
  d.ids.ana = b.user("ana", Profile::agent);
  d.ids.bob = b.user("bob", Profile::agent);
  d.ids.sam = b.user("sam", Profile::supervisor);
  d.ids.alice = b.user("alice", Profile::administrator);
  b.join(d.ids.ana, d.ids.sales);
  b.join(d.ids.bob, d.ids.sales);
  b.join(d.ids.bob, d.ids.finance);
  b.join(d.ids.sam, d.ids.sales);
  b.created(DefineStatus{"Lunch"});
  return d;
}

void drain(boost::asio::io_context& io, boost::asio::thread_pool* workers) {
  for (;;) {
    io.restart();
    std::size_t ran = io.poll();
    if (workers) {
      // Everything posted to the pool before this marker has run once it runs
      // (the harness's pool has one thread and runs in order).
      std::promise<void> marker;
      boost::asio::post(*workers, [&marker] { marker.set_value(); });
      marker.get_future().wait();
      io.restart();
      ran += io.poll();
    }
    if (ran == 0) return;
  }
}

void debug_frame(const CollectingPeer& peer, const std::string& frame) {
  static const bool on = std::getenv("CONTACTD_FUZZ_DEBUG") != nullptr;
  if (!on) return;
  std::string shown;
  for (unsigned char ch : frame) shown += (ch >= 0x20 && ch < 0x7f) ? static_cast<char>(ch) : '.';
  std::fprintf(stderr, "peer %llu <- %s\n", static_cast<unsigned long long>(peer.id()), shown.c_str());
}

void quiet_logs() {
  spdlog::set_level(spdlog::level::off);
  google::protobuf::SetLogHandler(nullptr);
}

std::vector<std::string_view> split(std::string_view data, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = data.find(separator);
    if (at == std::string_view::npos) {
      parts.push_back(data);
      return parts;
    }
    parts.push_back(data.substr(0, at));
    data.remove_prefix(at + separator.size());
  }
}

}  // namespace contactd::fuzz
