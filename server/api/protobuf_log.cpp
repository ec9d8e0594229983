#include "api/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

#include "net/log_throttle.h"

namespace contactd::api {
namespace {

net::LogThrottle& throttle() {
  static net::LogThrottle t(std::chrono::seconds(10));
  return t;
}

void handle(google::protobuf::LogLevel level, const char* filename, int line, const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    spdlog::critical("libprotobuf {}:{}: {}", filename, line, message);
    return;
  }
  const auto count = throttle().note();
  if (!count) return;
  const auto spd = level == google::protobuf::LOGLEVEL_INFO ? spdlog::level::info : spdlog::level::warn;
  if (*count == 1) {
    spdlog::log(spd, "libprotobuf: {}", message);
  } else {
    spdlog::log(spd, "libprotobuf: {} (and {} more messages in the last {} s, not shown)", message, *count - 1,
                std::chrono::duration_cast<std::chrono::seconds>(throttle().interval()).count());
  }
}

}  // namespace

void install_protobuf_log_handler() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&handle); });
}

}  // namespace contactd::api
