#include "store/database.h"

namespace contactd::store {

std::unique_ptr<pqxx::connection> connect(const std::string& url) {
  // A short connect timeout keeps outages from hanging callers.
  std::string conninfo = url;
  if (conninfo.find("connect_timeout") == std::string::npos) {
    if (conninfo.rfind("postgres", 0) == 0)
      conninfo += (conninfo.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=3");
    else
      conninfo += " connect_timeout=3";
  }
  return std::make_unique<pqxx::connection>(conninfo);
}

std::string ms_of(const std::string& col) { return "round(extract(epoch from " + col + ") * 1000)::bigint"; }

}  // namespace contactd::store
