#pragma once
// R-SEC-1 text rule: every string a command carries into the engine — and so
// into the journal, the query tables and other clients' screens — is valid
// UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF)
// and holds no NUL (U+0000), which PostgreSQL's text and jsonb cannot store.
// Lengths stay per field with the rule that owns the field (message text,
// names, comments...). Engine::handle applies check_command_text to every command
// before any handler runs, so no entry point (API, WebChat, bot, SIP, seed,
// CLI) can bypass it; adapters may call valid_text earlier to answer in their
// own protocol.
#include <string_view>

#include "core/commands.h"
#include "core/error.h"

namespace contactd::core {

// True when `s` is valid UTF-8 without NUL.
bool valid_text(std::string_view s);

// The first string of `body` that breaks the rule, as an invalid_argument
// error naming its field; nullopt when all are valid.
MaybeError check_command_text(const CommandBody& body);

}  // namespace contactd::core
