#include "net/admission.h"

#include <sys/resource.h>

#include <algorithm>

namespace contactd::net {

void AdmissionTicket::release() {
  if (!released_.exchange(true)) admission_.release(address_);
}

Admission::Admission(std::size_t max_total, std::size_t max_per_address)
    : max_total_(std::max<std::size_t>(1, max_total)),
      max_per_address_(std::clamp<std::size_t>(max_per_address, 1, std::max<std::size_t>(1, max_total))) {
}

std::shared_ptr<AdmissionTicket> Admission::admit(const std::string& address) {
  {
    std::lock_guard lock(mu_);
    if (total_ >= max_total_) return nullptr;
    auto& mine = per_address_[address];
    if (mine >= max_per_address_) return nullptr;
    ++mine;
    ++total_;
  }
  return std::make_shared<AdmissionTicket>(*this, address);
}

void Admission::release(const std::string& address) {
  std::lock_guard lock(mu_);
  --total_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t Admission::unauthenticated() const {
  std::lock_guard lock(mu_);
  return total_;
}

std::size_t default_max_unauthenticated(std::size_t descriptor_limit) {
  return std::clamp<std::size_t>(descriptor_limit / 4, 16, 10'000);
}

std::size_t default_max_unauthenticated_per_address(std::size_t max_total) {
  return std::min(max_total, std::clamp<std::size_t>(max_total / 8, 8, 256));
}

std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace contactd::net
