#pragma once
// Messages name their attachments by media store id (an upload's id, from
// POST /v1/attachments). Before send_message or start_interaction reaches the
// engine, every id is looked up (on the query workers): the file must exist,
// not be removed, and its size, type and name are the stored ones — never
// what the client declared (R-MSG-3 checks real bytes). On the engine strand
// the file must be the caller's own upload, unused or already in this
// interaction. Otherwise INVALID_ARGUMENT naming the file; nothing is sent.
// A provider that downloads media by URL (Gupshup) can carry attachments only
// when the files have public URLs ([media] public_base_url); without them
// such a send is refused here, FAILED_PRECONDITION, before it is committed.
#include <optional>
#include <string>
#include <vector>

#include "api/command_context.h"

namespace contactd::api {

// What the engine strand checks of one looked-up file.
struct UploadCheck {
  std::string filename;
  core::UserId owner{core::kNoUser};
  core::InteractionId bound{0};  // 0: no message uses it yet
};

bool names_attachments(const core::CommandBody& body);
// Looks the files up on a worker, fills them in, then run_as_caller.
void resolve_attachments(Services& s, const net::PeerPtr& peer, std::uint64_t rid, core::CommandBody body);
// On the engine strand: the refusal, if a file is not the caller's to send here.
// `public_urls`: whether files have public URLs.
std::optional<core::Outcome> check_uploads(const core::Engine& e, core::ConnectionId connection,
                                           const core::CommandBody& body, const std::vector<UploadCheck>& uploads,
                                           bool public_urls);
// Runs `body` as the connection's user and answers (ack or created).
void run_as_caller(Services& s, const net::PeerPtr& peer, std::uint64_t rid, core::CommandBody body,
                   std::vector<UploadCheck> uploads);

}  // namespace contactd::api
