#pragma once
// Caps on connections nobody has logged in on yet, per source address and in
// total: unauthenticated clients cannot take the descriptors and memory that
// logged-in users need. A connection holds a ticket from accept until it is
// marked authenticated (or closes). Thread-safe; no I/O.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace contactd::net {

class Admission;

// One unauthenticated connection's place. Released once: by release() (the
// connection authenticated) or by the destructor (it closed).
class AdmissionTicket {
 public:
  AdmissionTicket(Admission& admission, std::string address) : admission_(admission), address_(std::move(address)) {}
  ~AdmissionTicket() { release(); }
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  // Idempotent, thread-safe.
  void release();

 private:
  Admission& admission_;
  const std::string address_;
  std::atomic<bool> released_{false};
};

class Admission {
 public:
  // REQUIRES: 1 <= max_per_address <= max_total.
  Admission(std::size_t max_total, std::size_t max_per_address);

  // A ticket for a new unauthenticated connection from `address`, or null
  // when either cap is reached (refuse the connection). The ticket must not
  // outlive this object.
  std::shared_ptr<AdmissionTicket> admit(const std::string& address);

  std::size_t unauthenticated() const;
  std::size_t max_total() const { return max_total_; }
  std::size_t max_per_address() const { return max_per_address_; }

 private:
  friend class AdmissionTicket;
  void release(const std::string& address);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mu_;
  std::size_t total_{0};
  std::unordered_map<std::string, std::size_t> per_address_;
};

// Default caps from the process's descriptor limit: a quarter of it (at most
// 10,000) for unauthenticated connections in total, an eighth of that (8 to
// 256) per address; the rest stays for logged-in users, the database and SIP.
// Logins take milliseconds, so these bound floods, not busy offices.
std::size_t default_max_unauthenticated(std::size_t descriptor_limit);
std::size_t default_max_unauthenticated_per_address(std::size_t max_total);

// Raises the soft RLIMIT_NOFILE to the hard limit where allowed; returns the
// soft limit in force afterwards.
std::size_t raise_descriptor_limit();

}  // namespace contactd::net
