#include "app/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace contactd::app {

void init_logging(const std::string& level, const std::string& target) {
  const bool journal = target == "journal" || (target == "auto" && std::getenv("JOURNAL_STREAM") != nullptr);
  std::shared_ptr<spdlog::logger> logger;
  if (journal) {
    logger = std::make_shared<spdlog::logger>("contactd", std::make_shared<spdlog::sinks::systemd_sink_mt>());
    logger->set_pattern("%v");  // the journal adds time and priority itself
  } else {
    logger = spdlog::stderr_color_mt("contactd");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace contactd::app
