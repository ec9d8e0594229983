#include "store/group_writer.h"

#include <spdlog/spdlog.h>

#include "store/database.h"

namespace contactd::store {

std::string_view to_string(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::refused: return "refused";
    case StoreError::Kind::unavailable: return "unavailable";
    case StoreError::Kind::stopping: return "stopping";
  }
  return "refused";
}

bool refused_for_content(const std::exception& ex) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&ex);
  if (!sql) return false;
  const std::string state = sql->sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("54", 0) == 0;
}

pqxx::connection& WriterConnection::get() {
  if (!conn_) conn_ = connect(url_);
  return *conn_;
}

GroupWriterCore::GroupWriterCore(std::string url, GroupWriterOptions options)
    : options_(std::move(options)), conn_(std::move(url)), backoff_(options_.first_backoff) {}

void GroupWriterCore::written() {
  if (!available_.exchange(true)) spdlog::info("{}: database available again", options_.name);
  backoff_ = options_.first_backoff;
}

void GroupWriterCore::failed(const std::exception& ex) {
  conn_.reset();
  in_doubt_ = true;
  if (available_.exchange(false)) spdlog::error("{}: write failed, retrying: {}", options_.name, ex.what());
  else spdlog::debug("{}: write failed again: {}", options_.name, ex.what());
}

bool GroupWriterCore::wait_backoff() {
  std::unique_lock lock(mu_);
  const auto until = std::chrono::steady_clock::now() + backoff_;
  if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) return false;
  // Until the backoff ends, or the drain time if a stop (begun before or
  // during the wait) ends it sooner: then one last attempt.
  for (;;) {
    const auto wake = stopping_ ? std::min(until, stop_deadline_) : until;
    if (std::chrono::steady_clock::now() >= wake) break;
    cv_.wait_until(lock, wake);
  }
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  return true;
}

void GroupWriterCore::begin_stop(std::chrono::milliseconds drain_for) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_deadline_ = std::chrono::steady_clock::now() + drain_for;
    }
  }
  cv_.notify_all();
}

void GroupWriterCore::log_unwritten(std::size_t items) const {
  spdlog::error("{}: stopping with {} unwritten items", options_.name, items);
}

void GroupWriterCore::check_health() {
  try {
    pqxx::nontransaction(conn_.get()).exec("SELECT 1");
    if (!available_.exchange(true)) spdlog::info("{}: database available again", options_.name);
  } catch (const std::exception& ex) {
    if (available_.exchange(false)) spdlog::error("{}: database unavailable: {}", options_.name, ex.what());
    conn_.reset();
  }
}

}  // namespace contactd::store
