// Reading conversations (R-MSG-7): who may read an interaction's messages,
// and the last message of each open interaction for the snapshot's lists.
// The messages themselves are read from the store, never kept here.
#include "core/engine_internal.h"

namespace contactd::core {

bool Engine::reads_live(const User& u, const Interaction& i) const {
  if (is_admin(u.profile) || i.owner == u.id) return true;
  if (i.transfer && i.transfer->to_agent == u.id) return true;
  if (supervises(u.id, i.campaign)) return true;
  // While nobody holds it, the campaign's members preview it (inbox_audience).
  if (i.state == InteractionState::bot || i.state == InteractionState::pending) {
    if (u.campaigns.count(i.campaign)) return true;
    if (i.transfer && i.transfer->from_campaign != 0 && u.campaigns.count(i.transfer->from_campaign)) return true;
  }
  return false;
}

std::variant<MessageAccess, Error> Engine::message_access(UserId viewer, InteractionId id) const {
  const User* me = find_user(viewer);
  if (!me) return error(ErrorCode::unauthenticated, "log in or resume first");
  if (id == 0 || id > last_interaction_id_) return error(ErrorCode::not_found, "no such interaction");
  const Interaction* i = find_interaction(id);
  if (!i) return MessageAccess{interaction_scope(*me)};  // closed: the rule of history detail
  if (!reads_live(*me, *i))
    return error(ErrorCode::permission_denied, "only its owner, a transfer's target, the campaign's supervisors and "
                                               "administrators read this conversation");
  return MessageAccess{};
}

void Engine::remember_last_messages(const Outcome& out) {
  for (const Event& e : out.events) {
    const auto* m = std::get_if<MessagePosted>(&e.body);
    if (!m) continue;
    auto it = interactions_.find(m->interaction);
    if (it == interactions_.end()) continue;
    it->second.last_message = make_preview(m->message, m->sender, m->author_name, m->text, e.at, m->attachments.size());
  }
}

}  // namespace contactd::core
