#pragma once
// The daemon's subcommands. Each returns a process exit code.
#include <string>

#include "app/config.h"

namespace contactd::app {

int serve(const Config& config);
int migrate(const Config& config);
int seed(const Config& config, const std::string& seed_file);

}  // namespace contactd::app
