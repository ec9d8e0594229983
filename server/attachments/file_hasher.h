#pragma once
// SHA-256 of a file being written, computed beside the writer: a thread of
// its own reads back (from the page cache) what the writer says is written
// and feeds OpenSSL's EVP incrementally. Hashing then overlaps the writes
// and the disk's work instead of adding to them. Internal to Upload.
#include <openssl/evp.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace contactd::attachments {

class FileHasher {
 public:
  // Hashes `fd` from offset 0. Throws std::runtime_error if EVP fails.
  // REQUIRES: `fd` stays open until the hasher is destroyed.
  explicit FileHasher(int fd);
  ~FileHasher();  // stops and joins
  FileHasher(const FileHasher&) = delete;
  FileHasher& operator=(const FileHasher&) = delete;

  // The first `bytes` bytes of the file are written (passed on to the
  // hashing thread a megabyte at a time; finish() passes the rest).
  void written(std::uint64_t bytes);
  // Waits until the first `size` bytes are hashed: lower-case hex, or empty
  // when reading the file back failed.
  std::optional<std::string> finish(std::uint64_t size);

 private:
  void run();

  static constexpr std::uint64_t kWakeBytes = 1024 * 1024;

  const int fd_;
  std::uint64_t announced_{0};  // the writer's side: last `bytes` passed on
  EVP_MD_CTX* ctx_{nullptr};
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t written_{0};
  std::uint64_t hashed_{0};
  bool stop_{false};    // finish(): hash what is written, then end
  bool cancel_{false};  // destroyed first: end now
  bool failed_{false};
  std::thread thread_;
};

}  // namespace contactd::attachments
