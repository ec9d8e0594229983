#include "attachments/file_hasher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

namespace contactd::attachments {

FileHasher::FileHasher(int fd) : fd_(fd), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::runtime_error("SHA-256 is not available");
  }
  thread_ = std::thread([this] { run(); });
}

FileHasher::~FileHasher() {
  {
    std::lock_guard lock(mu_);
    cancel_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  EVP_MD_CTX_free(ctx_);
}

void FileHasher::written(std::uint64_t bytes) {
  // Woken a megabyte at a time: fewer context switches than one per chunk.
  if (bytes - announced_ < kWakeBytes) return;
  announced_ = bytes;
  {
    std::lock_guard lock(mu_);
    written_ = bytes;
  }
  cv_.notify_all();
}

void FileHasher::run() {
  constexpr std::size_t kBlock = 256 * 1024;
  constexpr std::uint64_t kStep = 4 * kBlock;  // how much is hashed between looks at cancel_
  std::vector<unsigned char> buffer(kBlock);
  std::unique_lock lock(mu_);
  while (!failed_) {
    cv_.wait(lock, [this] { return cancel_ || stop_ || written_ > hashed_; });
    if (cancel_ || written_ == hashed_) break;  // cancelled, or finished with nothing left
    std::uint64_t at = hashed_;
    const std::uint64_t end = std::min(written_, hashed_ + kStep);
    lock.unlock();
    bool ok = true;
    while (ok && at < end) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, end - at));
      const ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0 && EVP_DigestUpdate(ctx_, buffer.data(), static_cast<std::size_t>(n)) == 1;
      if (ok) at += static_cast<std::uint64_t>(n);
    }
    lock.lock();
    hashed_ = at;
    failed_ = !ok;
    cv_.notify_all();
  }
}

std::optional<std::string> FileHasher::finish(std::uint64_t size) {
  {
    std::unique_lock lock(mu_);
    written_ = size;
    stop_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return failed_ || hashed_ >= size; });
  }
  thread_.join();
  if (failed_) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace contactd::attachments
