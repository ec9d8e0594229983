// Upload throughput (issue 12): bytes streamed through the media store's
// Upload (64 KiB chunks: type sniffing, SHA-256, write(), then fsync, the
// attachments row and the rename) against the same bytes written with plain
// write() + fsync() into the same directory, in the same run. Target: the
// Upload at >= 70% of the plain write.
//
// Needs a PostgreSQL from the environment (PGHOST...), e.g.:
//   pg_virtualenv -v 15 -- build/bench/upload_bench [total MB (512)] [file MB (16)] [directory (/var/tmp)]
// It creates and drops its own database and media directory. The two ways
// alternate file by file so that the disk's state affects both alike.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "attachments/attachment_store.h"
#include "store/database.h"
#include "store/migrations.h"

using namespace contactd;
using Stopwatch = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr double kMB = 1024.0 * 1024.0;

double seconds_since(Stopwatch::time_point t0) { return std::chrono::duration<double>(Stopwatch::now() - t0).count(); }

// CPU time of this process (all its threads; PostgreSQL's work is not
// counted): the machine may be shared, so the bench also says how much CPU
// each way costs, which does not depend on the other tenants.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "upload_bench: %s\n", what.c_str());
  std::exit(1);
}

// Seconds spent before the final fsync/finish, and CPU seconds, summed over the run.
double plain_writing = 0, upload_writing = 0, plain_cpu = 0, upload_cpu = 0;

double plain_write(const fs::path& path, const std::string& body) {
  const double c0 = cpu_seconds();
  const auto t0 = Stopwatch::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) die("open " + path.string());
  for (std::size_t off = 0; off < body.size(); off += kChunk) {
    const std::size_t n = std::min(kChunk, body.size() - off);
    if (::write(fd, body.data() + off, n) != static_cast<ssize_t>(n)) die("write");
  }
  plain_writing += seconds_since(t0);
  if (::fsync(fd) != 0 || ::close(fd) != 0) die("fsync");
  const double s = seconds_since(t0);
  plain_cpu += cpu_seconds() - c0;
  ::unlink(path.c_str());
  return s;
}

double through_upload(attachments::AttachmentStore& store, const std::string& body) {
  const double c0 = cpu_seconds();
  const auto t0 = Stopwatch::now();
  auto begun = store.begin_upload(core::kNoUser, "bench.png", "image/png", body.size());
  if (auto* e = std::get_if<attachments::AttachmentError>(&begun)) die(e->message);
  auto up = std::get<attachments::Upload>(std::move(begun));
  for (std::size_t off = 0; off < body.size(); off += kChunk)
    if (auto e = up.write(std::string_view(body).substr(off, kChunk))) die(e->message);
  upload_writing += seconds_since(t0);
  auto done = up.finish();
  if (auto* e = std::get_if<attachments::AttachmentError>(&done)) die(e->message);
  const double s = seconds_since(t0);
  upload_cpu += cpu_seconds() - c0;
  ::unlink(store.path_of(std::get<attachments::AttachmentInfo>(done).id).c_str());
  return s;
}

double sha256_only(const std::string& body) {
  const auto t0 = Stopwatch::now();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::size_t off = 0; off < body.size(); off += kChunk)
    EVP_DigestUpdate(ctx, body.data() + off, std::min(kChunk, body.size() - off));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return seconds_since(t0);
}

double load_average() {
  double avg[1] = {0};
  return ::getloadavg(avg, 1) == 1 ? avg[0] : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t total_mb = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 512;
  const std::size_t file_mb = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 16;
  const fs::path parent = argc > 3 ? argv[3] : "/var/tmp";
  if (file_mb == 0 || total_mb < file_mb) die("usage: upload_bench [total MB] [file MB] [directory]");
  const std::size_t files = total_mb / file_mb;

  const std::string db = "contactd_upload_bench_" + std::to_string(::getpid());
  {
    auto admin = store::connect("dbname=postgres");
    pqxx::nontransaction(*admin).exec("CREATE DATABASE " + db);
  }
  const std::string url = "dbname=" + db;
  {
    auto c = store::connect(url);
    store::apply_migrations(*c);
  }
  std::string tmpl = (parent / "contactd-upload-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) die("mkdtemp in " + parent.string());
  const fs::path dir = tmpl;
  struct statfs sfs {};
  ::statfs(dir.c_str(), &sfs);

  // A PNG signature, then bytes that do not compress (as photos and videos).
  std::string body(file_mb * 1024 * 1024, '\0');
  std::mt19937_64 rng(12);
  for (std::size_t i = 0; i + 8 <= body.size(); i += 8) {
    const auto v = rng();
    std::memcpy(body.data() + i, &v, 8);
  }
  body.replace(0, 8, "\x89PNG\r\n\x1A\n");

  core::SystemClock clock;
  double plain_s = 0, upload_s = 0;
  {
    attachments::AttachmentOptions options;
    options.directory = (dir / "media").string();
    options.max_upload_bytes = body.size();
    attachments::AttachmentStore media(options, url, clock);
    // One warm-up of each (the connection, the shard directories, the page cache).
    plain_write(dir / "warm", body);
    through_upload(media, body);
    plain_writing = upload_writing = plain_cpu = upload_cpu = 0;
    for (std::size_t i = 0; i < files; ++i) {
      if (i % 2 == 0) {
        plain_s += plain_write(dir / "plain", body);
        upload_s += through_upload(media, body);
      } else {
        upload_s += through_upload(media, body);
        plain_s += plain_write(dir / "plain", body);
      }
    }
  }
  const double sha_s = sha256_only(body) * static_cast<double>(files);
  fs::remove_all(dir);
  {
    auto admin = store::connect("dbname=postgres");
    pqxx::nontransaction(*admin).exec("DROP DATABASE " + db + " WITH (FORCE)");
  }

  const double mb = static_cast<double>(files * body.size()) / kMB;
  std::printf("upload_bench: %zu files of %zu MB (%.0f MB each way) in %s (filesystem magic 0x%lx), 64 KiB chunks\n",
              files, file_mb, mb, parent.c_str(), static_cast<unsigned long>(sfs.f_type));
  const double per_file = 1000.0 / static_cast<double>(files);
  std::printf("  plain write() + fsync():                         %8.1f MB/s  (per file: %.1f ms writing, %.1f ms fsync)\n",
              mb / plain_s, plain_writing * per_file, (plain_s - plain_writing) * per_file);
  std::printf("  Upload (sniff, SHA-256, fsync, row, rename):     %8.1f MB/s  (per file: %.1f ms writing, %.1f ms finish)\n",
              mb / upload_s, upload_writing * per_file, (upload_s - upload_writing) * per_file);
  std::printf("  CPU per file: plain %.1f ms, Upload %.1f ms; load average at the end: %.2f\n", plain_cpu * per_file,
              upload_cpu * per_file, load_average());
  std::printf("  SHA-256 alone (OpenSSL EVP, for reference):      %8.1f MB/s\n", mb / sha_s);
  std::printf("  ratio Upload / plain: %.1f%% (target >= 70%%)\n", 100.0 * plain_s / upload_s);
  return 0;
}
