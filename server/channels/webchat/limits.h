#pragma once
// How fast WebChat customers, who need no login, may start conversations and
// write: token buckets per connection and per source address, so one socket
// cannot flood the queue and the history, and one address (an office behind
// NAT) gets a bounded share. Pure (the caller passes the time and does the
// locking).
#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "core/ids.h"
#include "core/token_bucket.h"

namespace contactd::channels {

// One rate: `per_second` tokens a second, at most `burst` saved up.
struct Rate {
  double per_second{1};
  double burst{1};
};

struct WebChatLimits {
  Rate connection_messages{2, 10};        // a person types a few messages a second at most
  Rate address_messages{20, 60};          // everyone behind one address together
  Rate connection_starts{6.0 / 60, 6};    // starts and resumes on one connection
  Rate address_starts{30.0 / 60, 30};     // conversations one address may open
  std::size_t tracked_addresses{10'000};  // least recently seen ones are forgotten beyond this
};

class WebChatRateLimiter {
 public:
  explicit WebChatRateLimiter(WebChatLimits limits) : limits_(limits) {}

  // Whether `connection` from `address` may start (or resume) a conversation
  // at `now`; takes a token from both buckets only when both have one.
  bool allow_start(core::ConnectionId connection, const std::string& address, core::TimePoint now) {
    return allow(connection, address, now, &Buckets::starts);
  }
  // The same for one message.
  bool allow_message(core::ConnectionId connection, const std::string& address, core::TimePoint now) {
    return allow(connection, address, now, &Buckets::messages);
  }
  // The connection is gone: its buckets are dropped (its address's stay).
  void forget(core::ConnectionId connection) { connections_.erase(connection); }

  std::size_t tracked_addresses() const { return addresses_.size(); }
  std::size_t tracked_connections() const { return connections_.size(); }

 private:
  struct Buckets {
    core::TokenBucket messages;
    core::TokenBucket starts;
  };
  struct AddressEntry {
    Buckets buckets;
    std::list<std::string>::iterator in_recency;
  };

  bool allow(core::ConnectionId connection, const std::string& address, core::TimePoint now,
             core::TokenBucket Buckets::*which) {
    Buckets& mine = connection_buckets(connection, now);
    Buckets& shared = address_buckets(address, now);
    // Both are asked first, so that a refusal by one costs the other nothing.
    if (!has_token(mine.*which, now) || !has_token(shared.*which, now)) return false;
    (mine.*which).take(now);
    (shared.*which).take(now);
    return true;
  }
  static bool has_token(core::TokenBucket bucket, core::TimePoint now) { return bucket.take(now); }  // on a copy

  Buckets fresh(const Rate& messages, const Rate& starts, core::TimePoint now) const {
    return Buckets{core::TokenBucket(messages.per_second, messages.burst, now),
                   core::TokenBucket(starts.per_second, starts.burst, now)};
  }
  Buckets& connection_buckets(core::ConnectionId connection, core::TimePoint now) {
    auto it = connections_.find(connection);
    if (it == connections_.end())
      it = connections_.emplace(connection, fresh(limits_.connection_messages, limits_.connection_starts, now)).first;
    return it->second;
  }
  Buckets& address_buckets(const std::string& address, core::TimePoint now) {
    auto it = addresses_.find(address);
    if (it != addresses_.end()) {
      recency_.splice(recency_.begin(), recency_, it->second.in_recency);
      return it->second.buckets;
    }
    while (!addresses_.empty() && addresses_.size() >= limits_.tracked_addresses) {
      addresses_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(address);
    return addresses_
        .emplace(address, AddressEntry{fresh(limits_.address_messages, limits_.address_starts, now), recency_.begin()})
        .first->second.buckets;
  }

  WebChatLimits limits_;
  std::unordered_map<core::ConnectionId, Buckets> connections_;
  std::unordered_map<std::string, AddressEntry> addresses_;
  std::list<std::string> recency_;  // most recently seen address first
};

}  // namespace contactd::channels
