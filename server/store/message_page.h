#pragma once
// R-MSG-7: an interaction's messages, read from PostgreSQL (the `messages`
// table), oldest first, keyset-paged on the message id. Blocking: call from
// worker threads (through HistoryReader::messages).
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <variant>

#include "contactd/v1/envelope.pb.h"
#include "core/contact_scope.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/interaction.h"

namespace contactd::store {

inline constexpr std::uint32_t kDefaultMessagePage = 50;
inline constexpr std::uint32_t kMaxMessagePage = 200;

// The cursor after `last` (opaque to clients: it names the interaction too, so
// a cursor of one conversation is refused by another).
std::string message_cursor(core::InteractionId interaction, core::MessageId last);
// The message id a cursor continues after: 0 for an empty cursor; nullopt
// when malformed or of another interaction.
std::optional<core::MessageId> parse_message_cursor(core::InteractionId interaction, const std::string& cursor);

// The columns to_proto reads, in order, for `FROM messages m`.
extern const char* const kMessageColumns;
// The one place a messages row becomes a Message (fields added to the
// table are mapped here).
void to_proto(const pqxx::row& row, contactd::v1::Message* out);

// One page after message `after` (0: from the first), at most `limit`.
contactd::v1::MessagePage read_message_page(pqxx::transaction_base& t, core::InteractionId interaction,
                                            core::MessageId after, std::uint32_t limit);

// R-MSG-7 for an interaction the engine no longer holds: not_found when it
// does not exist, permission_denied when `scope` (the reader's history scope)
// does not cover its campaign and owner.
core::MaybeError check_closed_access(pqxx::transaction_base& t, core::InteractionId interaction,
                                     const core::InteractionScope& scope);

}  // namespace contactd::store
