#pragma once
// The journal's rate as journal_bench measures it (issue 4): `messages`
// customer messages over 1000 WebChat conversations, each command's events
// appended as one batch to the group-commit journal, timed until all are
// durable. Benchmarks compare their own figures with this one in the same run.
// REQUIRES: `url` names a migrated, empty contactd database.
#include <cstddef>
#include <string>

namespace contactd::bench {

struct JournalRate {
  double seconds{0};
  double events_per_second{0};  // message_posted events made durable per second
};

JournalRate measure_journal(const std::string& url, std::size_t messages);

}  // namespace contactd::bench
