// file_body_source (http_client.h): a multipart-shaped request body read
// from disk as it is written.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "channels/http_client.h"

namespace contactd::channels {
namespace {

class FileBodySource final : public HttpBodySource {
 public:
  FileBodySource(std::string prefix, const std::string& path, std::string suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(), "stat " + path);
    }
    file_size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileBodySource() override { ::close(fd_); }
  FileBodySource(const FileBodySource&) = delete;
  FileBodySource& operator=(const FileBodySource&) = delete;

  std::uint64_t size() const override { return prefix_.size() + file_size_ + suffix_.size(); }

  std::variant<std::size_t, std::string> read(std::uint64_t offset, char* into, std::size_t capacity) override {
    if (offset < prefix_.size()) return copy(prefix_, offset, into, capacity);
    offset -= prefix_.size();
    if (offset >= file_size_) return copy(suffix_, offset - file_size_, into, capacity);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, file_size_ - offset));
    for (;;) {
      const ssize_t n = ::pread(fd_, into, want, static_cast<off_t>(offset));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return std::string("read: ") + std::strerror(errno);
    }
  }

 private:
  static std::size_t copy(const std::string& from, std::uint64_t offset, char* into, std::size_t capacity) {
    if (offset >= from.size()) return 0;
    const std::size_t n = std::min<std::size_t>(capacity, from.size() - offset);
    std::memcpy(into, from.data() + offset, n);
    return n;
  }

  std::string prefix_, suffix_;
  int fd_{-1};
  std::uint64_t file_size_{0};
};

}  // namespace

std::shared_ptr<HttpBodySource> file_body_source(std::string prefix, const std::string& path, std::string suffix) {
  return std::make_shared<FileBodySource>(std::move(prefix), path, std::move(suffix));
}

}  // namespace contactd::channels
