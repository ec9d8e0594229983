// Messages of text interactions (R-MSG-1..4): customer, agent and bot
// messages, validated here for every channel; delivery to the customer is an
// effect carried out by the channel adapter once the message is durable.
#include "core/engine_internal.h"

namespace contactd::core {

// Pending conversations are previewed by the campaign's agents; once owned,
// only the owner and a transfer target read them live. Supervisors and
// administrators follow one conversation by spying on it (R-SUP-1), so a
// busy campaign's messages are not fanned out to every supervisor.
Audience Engine::message_audience(const Interaction& i) const {
  if (i.state == InteractionState::bot || i.state == InteractionState::pending) return inbox_audience(i);
  Audience a;
  a.users = {i.owner};
  if (i.transfer && i.transfer->to_agent != kNoUser) a.users.push_back(i.transfer->to_agent);
  return a;
}

MaybeError Engine::check_text(const std::string& text, bool has_attachments) const {
  if (text.size() > kMaxMessageText) return error(ErrorCode::invalid_argument, "message text is longer than 10000 bytes");
  if (!has_attachments && text.find_first_not_of(" \t\r\n") == std::string::npos)
    return error(ErrorCode::invalid_argument, "a message needs text or attachments");
  return std::nullopt;
}

namespace {

// Agent and bot messages start queued at a provider (until it reports) and
// delivered in WebChat, which hands them to the customer's open page.
MessageState first_state(Provider provider) {
  return provider == Provider::builtin ? MessageState::delivered : MessageState::queued;
}

}  // namespace

MaybeError Engine::on(const Actor& actor, const CustomerMessage& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customer messages come from channels");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state == InteractionState::finished) return error(ErrorCode::failed_precondition, "the interaction is finished");
  if (auto e = check_text(cmd.text, !cmd.attachments.empty())) return e;
  if (auto e = check_attachments(i.channel, provider_of(i), cmd.attachments)) return e;
  i.last_customer_message_at = p.now;
  MessagePosted m{i.id, ++last_message_id_, Sender::customer, kNoUser,
                  i.display_name.empty() ? i.customer : i.display_name, cmd.text, cmd.attachments,
                  MessageState::received};
  p.out->reply = CreatedReply{m.message};
  post(i, std::move(m), p);
  if (i.state == InteractionState::bot) {  // the bot answers this one
    const BotSettings& bot = *campaigns_.at(i.campaign).settings.bot;
    p.effect(AskBot{i.id, bot.url, i.customer, cmd.text, bot.timeout});
    await_bot(i, p);
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SendMessage& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->state != InteractionState::active) return error(ErrorCode::failed_precondition, "the interaction is not active");
  if (!is_text(i->channel)) return error(ErrorCode::failed_precondition, "phone interactions have no messages");
  const Provider provider = provider_of(*i);
  std::string text = cmd.text;
  if (cmd.template_use) {  // R-OUT-3: templates are always allowed
    auto filled = use_template(i->account, *cmd.template_use, cmd.text, cmd.attachments, i->channel, provider);
    if (auto* e = std::get_if<Error>(&filled)) return *e;
    text = std::move(std::get<std::string>(filled));
  } else {
    if (auto e = check_text(cmd.text, !cmd.attachments.empty())) return e;
    if (auto e = check_attachments(i->channel, provider, cmd.attachments)) return e;
    if (auto e = check_free_form(i->channel, i->last_customer_message_at, p.now)) return e;  // R-OUT-3
  }
  std::optional<ReplyLink> reply;
  std::string reply_to_provider_id;
  if (cmd.reply_to) {  // R-MSG-6
    const MessageRecord* target = find_record(i->id, cmd.reply_to);
    if (!target)
      return error(ErrorCode::failed_precondition, "message " + std::to_string(cmd.reply_to) + " is not a message of this interaction");
    if (auto e = check_reply_target(*target)) return e;
    reply = reply_link(*target);
    reply_to_provider_id = target->provider_message_id;
  }
  const User& agent = users_.at(i->owner);
  MessagePosted m{i->id, ++last_message_id_, Sender::agent, agent.id, agent.display_name, std::move(text), cmd.attachments,
                  first_state(provider), "", std::move(reply), cmd.template_use};
  p.out->reply = CreatedReply{m.message};
  post(*i, std::move(m), p, std::move(reply_to_provider_id));
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const BotMessage& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "bot messages come from the bot adapter");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state != InteractionState::bot) return error(ErrorCode::failed_precondition, "the interaction is not with the bot");
  if (auto e = check_text(cmd.text, false)) return e;
  if (auto e = check_free_form(i.channel, i.last_customer_message_at, p.now)) return e;  // R-OUT-3 binds bots too
  MessagePosted m{i.id, ++last_message_id_, Sender::bot, kNoUser, campaigns_.at(i.campaign).settings.bot->name,
                  cmd.text, {}, first_state(provider_of(i))};
  p.out->reply = CreatedReply{m.message};
  post(i, std::move(m), p);
  return std::nullopt;
}

// CustomerLeft: engine_abandonment.cpp (R-IN-6).

}  // namespace contactd::core

namespace contactd::core {

MaybeError Engine::on(const Actor& actor, const SaveDraft& cmd, Pending& p) {
  User* me = user(actor.user);
  if (actor.system || !me) return error(ErrorCode::permission_denied, "drafts belong to users");
  const Draft& d = cmd.draft;
  if (d.fields.size() > 30) return error(ErrorCode::invalid_argument, "a draft holds at most 30 fields");
  std::size_t bytes = 0;
  for (const auto& [name, value] : d.fields) {
    if (name.empty() || name.size() > 64) return error(ErrorCode::invalid_argument, "draft field names are 1 to 64 bytes");
    bytes += name.size() + value.size();
  }
  if (bytes > 64 * 1024) return error(ErrorCode::invalid_argument, "a draft holds at most 64 KiB");
  if (d.campaign != 0 && !me->campaigns.count(d.campaign))
    return error(ErrorCode::permission_denied, "not a campaign of yours");
  const bool erase = d.campaign == 0 && d.fields.empty();
  auto it = me->drafts.find(cmd.channel);
  if (erase ? it == me->drafts.end()
            : (it != me->drafts.end() && it->second.campaign == d.campaign && it->second.fields == d.fields))
    return std::nullopt;  // already so
  if (erase) me->drafts.erase(it);
  else me->drafts[cmd.channel] = d;
  Audience mine;
  mine.users = {me->id};  // the user's other clients show the same draft
  p.emit(std::move(mine), DraftSaved{me->id, cmd.channel, d.campaign, d.fields});
  return std::nullopt;
}

}  // namespace contactd::core
