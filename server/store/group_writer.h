#pragma once
// Group commit on one thread and one connection, shared by the journal, the
// inbox and the outbox. Items are queued from any thread; the writer takes
// everything queued and writes it in one transaction (so throughput grows
// with load while each item waits for one commit), then settles each item in
// queue order, after the commit and never before.
//
// Errors:
// - an outage (connection lost, commit failed, anything but a refusal): the
//   group is kept and written again after a backoff (doubling up to a cap);
//   only items whose Target::expired() says so leave it, settled as
//   `unavailable`; nothing else is dropped or reordered. The next write is
//   told the previous one is in doubt (its commit may have landed).
// - a refusal (refused_for_content: the database refused the rows
//   themselves): the group is split in halves until the refused items are
//   alone; each of them is settled as `refused`, its neighbours are written.
// - stop(drain_for): what is queued is still written, through an outage for
//   up to `drain_for` (and one last attempt); what remains is settled as
//   `stopping`.
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>

namespace contactd::store {

// Why an item was not stored.
struct StoreError {
  enum class Kind {
    refused,      // the database refused its content: writing it again fails again
    unavailable,  // the database stayed unreachable for longer than it could wait
    stopping,     // the writer stopped before it was written
  };
  Kind kind{Kind::refused};
  std::string message;
};
std::string_view to_string(StoreError::Kind kind);

// The database refused what was written (SQLSTATE class 22 data exception,
// 23 integrity constraint violation, 54 program limit exceeded), as opposed
// to being unreachable or unable to write at all.
bool refused_for_content(const std::exception& ex);

struct GroupWriterOptions {
  std::string name;  // in logs
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // While idle, the database is checked this often, so that an outage shows
  // in available() before a write runs into it. 0: never.
  std::chrono::milliseconds health_every{0};
};

// The writer's connection: opened on first use, dropped after any error.
class WriterConnection {
 public:
  explicit WriterConnection(std::string url) : url_(std::move(url)) {}
  pqxx::connection& get();
  void reset() { conn_.reset(); }

 private:
  const std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

// What does not depend on the item type: the thread, stopping, backoff,
// availability. Use GroupWriter<Item>.
class GroupWriterCore {
 public:
  bool available() const { return available_.load(); }

 protected:
  GroupWriterCore(std::string url, GroupWriterOptions options);
  ~GroupWriterCore() = default;

  // Blocks until `has_work()` (true) or stopping with nothing queued
  // (false); runs the health check while idle. Called with `lock` held.
  template <class HasWork>
  bool wait_for_work(std::unique_lock<std::mutex>& lock, HasWork has_work) {
    for (;;) {
      const auto ready = [&] { return stopping_ || has_work(); };
      if (options_.health_every.count() == 0) {
        cv_.wait(lock, ready);
      } else if (!cv_.wait_for(lock, options_.health_every, ready)) {
        lock.unlock();
        check_health();
        lock.lock();
        continue;
      }
      return has_work();
    }
  }
  void written();
  void failed(const std::exception& ex);
  // After failed(): waits for the backoff, cut short by the end of a stop's
  // drain time. False when the writer is to stop now (that time is over).
  bool wait_backoff();
  void begin_stop(std::chrono::milliseconds drain_for);
  void log_unwritten(std::size_t items) const;
  bool stopping_locked() const { return stopping_; }
  void check_health();

  const GroupWriterOptions options_;
  WriterConnection conn_;
  bool in_doubt_{false};  // the last write failed for an outage: its commit may have landed
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;

 private:
  bool stopping_{false};
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::chrono::milliseconds backoff_;
  std::atomic<bool> available_{true};
};

template <class Item>
class GroupWriter final : public GroupWriterCore {
 public:
  using Group = std::deque<Item>;
  using Iterator = typename Group::iterator;

  // What each writer does with its items. Called on the writer thread only.
  class Target {
   public:
    // Writes [first, last) in one transaction, committed when it returns;
    // results wanted by stored() may be kept in the items. Throws on any
    // database error. `in_doubt`: the previous write of these items failed
    // for an outage, and its commit may have landed.
    virtual void write(WriterConnection& conn, Iterator first, Iterator last, bool in_doubt) = 0;
    // After the commit that stored `item`.
    virtual void stored(Item& item) = 0;
    virtual void not_stored(Item& item, const StoreError& error) = 0;
    // During an outage: true when `item` is not to wait any longer.
    virtual bool expired(const Item&, std::chrono::steady_clock::time_point) const { return false; }

   protected:
    ~Target() = default;
  };

  GroupWriter(std::string url, Target& target, GroupWriterOptions options)
      : GroupWriterCore(std::move(url), std::move(options)), target_(target) {}
  // REQUIRES: stopped (the owner stops it in its own destructor, while its
  // Target is still alive).
  ~GroupWriter() { stop(std::chrono::milliseconds(0)); }
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // REQUIRES: not started.
  void start() {
    assert(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
  }
  // Writes what is queued (through an outage for up to `drain_for`), settles
  // the rest as `stopping` and joins the thread. Idempotent.
  void stop(std::chrono::milliseconds drain_for) {
    begin_stop(drain_for);
    if (thread_.joinable()) thread_.join();
  }
  // Thread-safe. Queues `item` (moving from it) unless the writer is
  // stopping: then returns false and leaves `item` to the caller.
  bool post(Item&& item) {
    {
      std::lock_guard lock(mu_);
      if (stopping_locked()) return false;
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void run() {
    Group group;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (group.empty() && !wait_for_work(lock, [this] { return !queue_.empty(); })) break;
        // Group commit: everything queued, behind the items being retried.
        while (!queue_.empty()) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      try {
        settle(group, group.size());
        written();
      } catch (const std::exception& ex) {
        failed(ex);
        const auto now = std::chrono::steady_clock::now();
        for (auto it = group.begin(); it != group.end();) {
          if (!target_.expired(*it, now)) {
            ++it;
            continue;
          }
          Item late = std::move(*it);
          it = group.erase(it);
          target_.not_stored(late, StoreError{StoreError::Kind::unavailable, ex.what()});
        }
        if (!wait_backoff()) break;
      }
    }
    Group left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
    }
    if (!group.empty() || !left.empty()) log_unwritten(group.size() + left.size());
    const StoreError stopping{StoreError::Kind::stopping, options_.name + " stopped before this was written"};
    for (auto& item : group) target_.not_stored(item, stopping);
    for (auto& item : left) target_.not_stored(item, stopping);
  }

  // Writes and settles the first `count` items of `group`, removing them.
  // Throws on an outage: the items still in `group` are to be written again.
  void settle(Group& group, std::size_t count) {
    const auto first = group.begin();
    try {
      target_.write(conn_, first, first + static_cast<std::ptrdiff_t>(count), in_doubt_);
    } catch (const std::exception& ex) {
      if (!refused_for_content(ex)) throw;
      conn_.reset();  // a refused COPY may leave the connection mid-protocol
      if (count == 1) {
        Item refused = std::move(group.front());
        group.pop_front();
        target_.not_stored(refused, StoreError{StoreError::Kind::refused, ex.what()});
        return;
      }
      const std::size_t half = count / 2;
      settle(group, half);
      settle(group, count - half);
      return;
    }
    in_doubt_ = false;
    for (std::size_t k = 0; k < count; ++k) {
      Item item = std::move(group.front());
      group.pop_front();
      target_.stored(item);
    }
  }

  Target& target_;
  Group queue_;
};

}  // namespace contactd::store
