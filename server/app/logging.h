#pragma once
#include <string>

namespace contactd::app {

// Sets the default spdlog logger: the systemd journal when `target` is
// "journal", or "auto" and the process runs under systemd (JOURNAL_STREAM);
// otherwise standard error.
void init_logging(const std::string& level, const std::string& target);

}  // namespace contactd::app
