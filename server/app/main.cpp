// contactd: the contact-center daemon.
//   contactd serve        [--config FILE]   run the server
//   contactd migrate      [--config FILE]   apply pending database migrations
//   contactd check-config [--config FILE]   validate the configuration and exit
//   contactd seed FILE    [--config FILE]   load statuses, campaigns and users
//   contactd hash-password                  read a password on stdin, print its argon2id hash
#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "auth/passwords.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/logging.h"

namespace po = boost::program_options;
using namespace contactd;

namespace {

constexpr const char* kUsage =
    "usage: contactd <command> [--config FILE]\n"
    "commands:\n"
    "  serve               run the server\n"
    "  migrate             apply pending database migrations\n"
    "  check-config        validate the configuration and exit\n"
    "  seed FILE           load statuses, campaigns and users from a TOML file\n"
    "  hash-password       read a password on stdin, print its argon2id hash\n"
    "environment: CONTACTD_CONFIG (config file), CONTACTD_DATABASE_URL, CONTACTD_LOG_LEVEL\n";

}  // namespace

int main(int argc, char** argv) {
  std::string command;
  std::vector<std::string> args;
  std::string config_path;
  po::options_description options("options");
  options.add_options()("help,h", "show usage")("version", "print the version")(
      "config,c", po::value<std::string>(&config_path), "configuration file (TOML)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>(&command))("args", po::value<std::vector<std::string>>(&args));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "contactd: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("version")) {
    std::cout << "contactd 0.1.0\n";
    return 0;
  }
  if (vm.count("help") || command.empty()) {
    std::cout << kUsage << options;
    return command.empty() && !vm.count("help") ? 2 : 0;
  }
  if (config_path.empty()) {
    if (const char* env = std::getenv("CONTACTD_CONFIG")) config_path = env;
  }

  app::Config config;
  try {
    config = app::load_config(config_path);
  } catch (const app::ConfigError& e) {
    std::cerr << "contactd: configuration error: " << e.what() << "\n";
    return 2;
  }
  app::init_logging(config.log_level, config.log_target);
  try {
    auth::init_crypto();
    if (command == "check-config") {
      std::cout << "configuration ok" << (config_path.empty() ? " (defaults)" : ": " + config_path) << "\n";
      return 0;
    }
    if (command == "serve") return app::serve(config);
    if (command == "migrate") return app::migrate(config);
    if (command == "seed") {
      if (args.size() != 1) {
        std::cerr << "contactd: seed takes one FILE\n" << kUsage;
        return 2;
      }
      return app::seed(config, args[0]);
    }
    if (command == "hash-password") {
      std::string password;
      std::getline(std::cin, password);
      std::cout << auth::hash_password(password, config.auth.password_cost) << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    spdlog::critical("{} failed: {}", command, e.what());
    return 1;
  }
  std::cerr << "contactd: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
