// Provider channels (issue 12): accounts and their templates, a customer's
// message arriving through an account (R-IN-1), the provider's delivery
// reports (R-MSG-5) and inbound media fetched later. The sending rules
// (R-OUT-3, R-MSG-3a, R-MSG-6) are in engine_messages.cpp.
#include "core/address.h"
#include "core/engine_internal.h"

namespace contactd::core {
namespace {

bool administers(const Actor& actor, const User* me) { return actor.system || (me && is_admin(me->profile)); }

Audience admins_only() {
  Audience a;
  a.administrators = true;
  return a;
}

std::string quoted(const ProviderAccount& a) { return "provider account '" + a.name + "'"; }

}  // namespace

// --- Queries ---

const ProviderAccount* Engine::find_provider_account(AccountId id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

std::vector<const ProviderAccount*> Engine::provider_accounts() const {
  std::vector<const ProviderAccount*> out;
  out.reserve(accounts_.size());
  for (const auto& [id, a] : accounts_) out.push_back(&a);
  return out;
}

std::vector<Template> Engine::templates(AccountId account) const {
  std::vector<Template> out;
  if (auto it = templates_.find(account); it != templates_.end())
    for (const auto& [key, t] : it->second) out.push_back(t);
  return out;
}

const Template* Engine::find_template(AccountId account, std::string_view name, std::string_view language) const {
  auto it = templates_.find(account);
  if (it == templates_.end()) return nullptr;
  auto t = it->second.find({std::string(name), std::string(language)});
  return t == it->second.end() ? nullptr : &t->second;
}

std::optional<std::pair<CampaignId, Channel>> Engine::served_by(AccountId account) const {
  if (account == 0) return std::nullopt;
  for (const auto& [id, c] : campaigns_) {
    if (c.archived) continue;
    for (std::size_t k = 0; k < kChannelCount; ++k)
      if (c.settings.channels[k].enabled && c.settings.channels[k].account == account)
        return std::pair{id, static_cast<Channel>(k)};
  }
  return std::nullopt;
}

const Interaction* Engine::find_conversation(AccountId account, std::string_view customer) const {
  auto it = conversations_.find({account, std::string(customer)});
  return it == conversations_.end() ? nullptr : find_interaction(it->second);
}

const std::vector<MessageRecord>* Engine::message_records(InteractionId id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

// --- Internals shared with the message handlers ---

MaybeError Engine::check_accounts(const CampaignSettings& s, CampaignId self, const CampaignSettings* before) const {
  for (std::size_t k = 0; k < kChannelCount; ++k) {
    const auto channel = static_cast<Channel>(k);
    const ChannelSettings& c = s.channels[k];
    const std::string name(to_string(channel));
    if (c.account != 0 && !has_accounts(c.provider))
      return error(ErrorCode::invalid_argument, "the " + name + " channel's provider " + std::string(to_string(c.provider)) +
                                                    " takes no provider account");
    if (!c.enabled || !is_text(channel) || !has_accounts(c.provider)) continue;
    if (before) {
      const ChannelSettings& old = before->channels[k];
      if (old.enabled && old.provider == c.provider && old.account == c.account) continue;  // unchanged
    }
    if (c.account == 0)
      return error(ErrorCode::failed_precondition,
                   "no provider account for the " + name + " channel: save a " + std::string(to_string(c.provider)) +
                       " account (save_provider_account) and set it as the channel's account");
    const ProviderAccount* a = find_provider_account(c.account);
    if (!a) return error(ErrorCode::failed_precondition, "no provider account " + std::to_string(c.account));
    if (a->provider != c.provider)
      return error(ErrorCode::invalid_argument, quoted(*a) + " is a " + std::string(to_string(a->provider)) +
                                                    " account; the " + name + " channel uses " +
                                                    std::string(to_string(c.provider)));
    for (std::size_t j = 0; j < kChannelCount; ++j)
      if (j != k && s.channels[j].enabled && s.channels[j].account == c.account)
        return error(ErrorCode::failed_precondition, quoted(*a) + " serves one channel only");
    for (const auto& [id, other] : campaigns_) {
      if (id == self) continue;
      for (const auto& oc : other.settings.channels)
        if (oc.enabled && oc.account == c.account)
          return error(ErrorCode::failed_precondition,
                       quoted(*a) + " already serves campaign '" + other.name + "' (its inbound messages go there)");
    }
  }
  return std::nullopt;
}

AccountId Engine::account_for(const Campaign& c, Channel channel) const {
  const ChannelSettings& s = c.settings.channels[index(channel)];
  return s.enabled && has_accounts(s.provider) ? s.account : 0;
}

Provider Engine::provider_of(const Interaction& i) const {
  if (i.account != 0)
    if (const ProviderAccount* a = find_provider_account(i.account)) return a->provider;
  return campaigns_.at(i.campaign).settings.channels[index(i.channel)].provider;
}

std::variant<std::string, Error> Engine::use_template(AccountId account, const TemplateUse& use, const std::string& text,
                                                      const std::vector<Attachment>& attachments, Channel channel,
                                                      Provider provider) const {
  const ProviderAccount* a = find_provider_account(account);
  if (!a)
    return error(ErrorCode::failed_precondition, "templates are sent through a WhatsApp provider account; this channel has none");
  if (!text.empty()) return error(ErrorCode::invalid_argument, "a template message carries no other text");
  const Template* t = find_template(account, use.name, use.language);
  if (!t) {
    std::string languages;
    for (const auto& other : templates(account))
      if (other.name == use.name) languages += (languages.empty() ? "" : ", ") + other.language;
    if (!languages.empty())
      return error(ErrorCode::invalid_argument, "template '" + use.name + "' has no language '" + use.language +
                                                    "' in " + quoted(*a) + " (it has " + languages + ")");
    return error(ErrorCode::invalid_argument, "no template '" + use.name + "' (" + use.language + ") in " + quoted(*a));
  }
  if (t->header_media.empty() && !attachments.empty())
    return error(ErrorCode::invalid_argument, "template '" + use.name + "' has no header media: it carries no attachments");
  if (!t->header_media.empty()) {
    // The header's file is the message's one attachment.
    if (attachments.size() != 1 || attachments.front().reference != use.header_attachment)
      return error(ErrorCode::invalid_argument, "template '" + use.name + "' has a " + t->header_media +
                                                    " header: its file is the message's one attachment, named by header_attachment");
    const auto kind = attachment_kind(attachments.front().filename);
    if (!kind || to_string(*kind) != t->header_media)
      return error(ErrorCode::invalid_argument, "template '" + use.name + "' has a " + t->header_media + " header, and " +
                                                    attachments.front().filename + " is not one");
    if (auto e = check_attachments(channel, provider, attachments)) return *e;
  }
  auto filled = fill(*t, use);
  if (auto* text_of = std::get_if<std::string>(&filled); text_of && text_of->size() > kMaxMessageText)
    return error(ErrorCode::invalid_argument, "template '" + use.name + "' with these parameters is longer than 10000 bytes");
  return filled;
}

MessageRecord* Engine::find_record(InteractionId interaction, MessageId message) {
  auto it = records_.find(interaction);
  if (it == records_.end()) return nullptr;
  auto& records = it->second;
  // Ids grow along the conversation: search from the newest.
  for (auto r = records.rbegin(); r != records.rend(); ++r)
    if (r->id == message) return &*r;
  return nullptr;
}

void Engine::post(Interaction& i, MessagePosted m, Pending& p, std::string reply_to_provider_id) {
  if (i.state != InteractionState::finished) {
    MessageRecord r{m.message, m.sender, m.state, m.provider_message_id, m.author_name, excerpt(m.text), {}, {}, {}};
    if (!m.attachments.empty()) {
      r.filename = m.attachments.front().filename;
      r.preview_reference = m.attachments.front().reference;
    }
    for (const auto& a : m.attachments) r.attachments.push_back(a.state);
    records_[i.id].push_back(std::move(r));
  }
  if (m.sender != Sender::customer)
    p.effect(DeliverMessage{i.channel, i.customer, m, i.account, provider_of(i), std::move(reply_to_provider_id)});
  p.emit(message_audience(i), std::move(m));
}

void Engine::index_conversation(const Interaction& i) {
  if (i.account != 0) conversations_.emplace(std::pair{i.account, i.customer}, i.id);
}

void Engine::forget_messages(const Interaction& i) {
  records_.erase(i.id);
  if (i.account == 0) return;
  auto it = conversations_.find({i.account, i.customer});
  if (it != conversations_.end() && it->second == i.id) conversations_.erase(it);
}

// --- Accounts and templates ---

MaybeError Engine::on(const Actor& actor, const SaveProviderAccount& cmd, Pending& p) {
  if (!administers(actor, find_user(actor.user)))
    return error(ErrorCode::permission_denied, "only administrators manage provider accounts");
  ProviderAccount a = cmd.account;
  const ProviderAccount* saved = a.id ? find_provider_account(a.id) : nullptr;
  if (a.id && !saved) return error(ErrorCode::not_found, "no such provider account");
  if (saved && saved->provider != a.provider)
    return error(ErrorCode::failed_precondition, "an account's provider cannot change; save a new account");
  if (saved)  // secrets are write-only: those not given are kept
    for (const auto& [name, value] : saved->secrets) a.secrets.emplace(name, value);
  std::erase_if(a.secrets, [](const auto& entry) { return entry.second.empty(); });  // "": remove it
  if (auto e = validate(a)) return e;
  for (const auto& [id, other] : accounts_)
    if (id != a.id && other.name == a.name) return error(ErrorCode::already_exists, "a provider account with that name exists");
  if (saved && *saved == a) {
    p.out->reply = CreatedReply{a.id};
    return std::nullopt;  // already so
  }
  if (!a.id) a.id = ++last_account_id_;
  p.out->reply = CreatedReply{a.id};
  accounts_[a.id] = a;
  p.emit(admins_only(), ProviderAccountSaved{std::move(a)});
  return std::nullopt;
}

namespace {

// Administrators, and the members of the campaign the account serves (its
// agents pick templates from it).
Audience template_audience(std::optional<std::pair<CampaignId, Channel>> served) {
  Audience a = admins_only();
  if (served) a.members_of = {served->first};
  return a;
}

}  // namespace

MaybeError Engine::on(const Actor& actor, const SaveTemplate& cmd, Pending& p) {
  if (!administers(actor, find_user(actor.user))) return error(ErrorCode::permission_denied, "only administrators manage templates");
  const ProviderAccount* account = find_provider_account(cmd.account);
  if (!account) return error(ErrorCode::not_found, "no such provider account");
  if (auto e = validate(cmd.definition, account->provider)) return e;
  const Template& t = cmd.definition;
  auto& mine = templates_[cmd.account];
  auto key = std::pair{t.name, t.language};
  if (auto it = mine.find(key); it != mine.end() && it->second == t) return std::nullopt;  // already so
  mine[key] = t;
  p.emit(template_audience(served_by(cmd.account)), TemplateSaved{cmd.account, t});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const RefreshTemplates& cmd, Pending& p) {
  if (!administers(actor, find_user(actor.user))) return error(ErrorCode::permission_denied, "only administrators manage templates");
  const ProviderAccount* account = find_provider_account(cmd.account);
  if (!account) return error(ErrorCode::not_found, "no such provider account");
  if (account->provider == Provider::gupshup)
    return error(ErrorCode::failed_precondition, "Gupshup templates are registered with save_template");
  p.effect(FetchTemplates{cmd.account});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const DeleteTemplate& cmd, Pending& p) {
  if (!administers(actor, find_user(actor.user))) return error(ErrorCode::permission_denied, "only administrators manage templates");
  if (!find_provider_account(cmd.account)) return error(ErrorCode::not_found, "no such provider account");
  auto it = templates_.find(cmd.account);
  if (it == templates_.end() || !it->second.erase({cmd.name, cmd.language}))
    return error(ErrorCode::not_found, "no template '" + cmd.name + "' (" + cmd.language + ") in that account");
  p.emit(template_audience(served_by(cmd.account)), TemplateDeleted{cmd.account, cmd.name, cmd.language});
  return std::nullopt;
}

// --- Inbound (R-IN-1) ---

MaybeError Engine::on(const Actor& actor, const ReceiveProviderMessage& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "provider messages come from provider adapters");
  const ProviderAccount* account = find_provider_account(cmd.account);
  if (!account) return error(ErrorCode::not_found, "no such provider account");
  if (cmd.provider_message_id.empty() || cmd.provider_message_id.size() > 512)
    return error(ErrorCode::invalid_argument, "provider_message_id must be 1 to 512 bytes");
  if (cmd.reply_to_provider_id.size() > 512) return error(ErrorCode::invalid_argument, "reply_to_provider_id is longer than 512 bytes");
  if (cmd.customer_alt_id.size() > 200) return error(ErrorCode::invalid_argument, "customer_alt_id is longer than 200 bytes");
  // The customer: their number, or the provider's other id when it withheld the number.
  std::string customer = cmd.customer_alt_id;
  if (!cmd.customer.empty()) {
    auto number = normalize_address(Channel::whatsapp, cmd.customer);
    if (auto* e = std::get_if<Error>(&number)) return *e;
    customer = std::move(std::get<std::string>(number));
  }
  if (customer.empty()) return error(ErrorCode::invalid_argument, "the customer has neither a number nor another id");
  if (auto e = check_text(cmd.text, !cmd.attachments.empty())) return e;
  if (auto e = check_inbound_attachments(cmd.attachments)) return e;

  Interaction* i = nullptr;
  if (auto it = conversations_.find({account->id, customer}); it != conversations_.end()) {
    auto open = interactions_.find(it->second);
    if (open != interactions_.end() && open->second.state != InteractionState::finished) i = &open->second;
  }
  const bool opens = i == nullptr;
  if (opens) {
    auto served = served_by(account->id);
    if (!served)
      return error(ErrorCode::failed_precondition, quoted(*account) + " is not enabled on any campaign's channel");
    const Campaign& c = campaigns_.at(served->first);
    Interaction fresh;
    fresh.id = ++last_interaction_id_;
    fresh.campaign = c.id;
    fresh.channel = served->second;
    fresh.customer = customer;
    fresh.created_at = p.now;
    fresh.account = account->id;
    fresh.display_name = excerpt(cmd.display_name, 200);
    fresh.customer_alt_id = cmd.customer_alt_id;
    if (const Contact* known = find_contact_by_address(fresh.channel, fresh.customer)) fresh.contact = known->id;
    fresh.state = c.settings.bot ? InteractionState::bot : InteractionState::pending;
    i = &interactions_.emplace(fresh.id, std::move(fresh)).first->second;
    index_conversation(*i);
    p.emit(inbox_audience(*i), InteractionOpened{i->id, i->campaign, i->channel, i->direction, i->customer, i->priority,
                                                 i->state, 0, i->contact, i->account, i->display_name,
                                                 i->customer_alt_id});
  }
  Interaction& in = *i;
  in.last_customer_message_at = p.now;
  std::optional<ReplyLink> reply;
  if (!cmd.reply_to_provider_id.empty())
    if (auto rec = records_.find(in.id); rec != records_.end())
      for (const auto& r : rec->second)
        if (r.provider_message_id == cmd.reply_to_provider_id) reply = reply_link(r);
  // The author: the profile name this message came with, else the one the
  // interaction opened with, else the customer's number.
  const std::string author = !cmd.display_name.empty() ? excerpt(cmd.display_name, 200)
                             : !in.display_name.empty() ? in.display_name
                                                        : in.customer;
  MessagePosted m{in.id, ++last_message_id_, Sender::customer, kNoUser, author, cmd.text, cmd.attachments,
                  MessageState::received, cmd.provider_message_id, std::move(reply), std::nullopt, cmd.inbox_id};
  p.out->reply = CreatedReply{m.message};
  post(in, std::move(m), p);
  if (in.state == InteractionState::bot) {  // the bot answers this one (the first opens the conversation with it)
    const BotSettings& bot = *campaigns_.at(in.campaign).settings.bot;
    p.effect(AskBot{in.id, bot.url, in.customer, cmd.text, bot.timeout});
    await_bot(in, p);
  } else if (opens) {
    enqueue(in, p);
  }
  return std::nullopt;
}

// --- Delivery reports (R-MSG-5) ---

MaybeError Engine::on(const Actor& actor, const ReportMessageStatus& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "delivery reports come from provider adapters");
  if (cmd.state == MessageState::received) return error(ErrorCode::invalid_argument, "received is not a delivery state");
  if (cmd.provider_message_id.size() > 512 || cmd.error_code.size() > 100 || cmd.error_text.size() > 1000)
    return error(ErrorCode::invalid_argument, "provider id, error code or error text too long");
  if (cmd.interaction == 0 || cmd.interaction > last_interaction_id_ || cmd.message == 0 || cmd.message > last_message_id_)
    return error(ErrorCode::not_found, "no such message");
  const bool failed = cmd.state == MessageState::failed;
  auto open = interactions_.find(cmd.interaction);
  if (records_.count(cmd.interaction)) {
    MessageRecord* r = find_record(cmd.interaction, cmd.message);
    if (!r) return error(ErrorCode::not_found, "no such message in the interaction");
    if (r->sender == Sender::customer) return error(ErrorCode::failed_precondition, "customer messages have no delivery state");
    const auto merged = merge_state(r->state, cmd.state);
    const bool bind = !cmd.provider_message_id.empty() && cmd.provider_message_id != r->provider_message_id &&
                      (r->provider_message_id.empty() || merged);
    if (!merged && !bind) return std::nullopt;  // late or duplicate: nothing changes
    if (merged) r->state = *merged;
    if (bind) r->provider_message_id = cmd.provider_message_id;
    const bool now_failed = r->state == MessageState::failed;
    p.emit(message_audience(open->second),
           MessageStatusChanged{cmd.interaction, cmd.message, r->state, r->provider_message_id,
                                now_failed ? cmd.error_code : "", now_failed ? cmd.error_text : ""});
    return std::nullopt;
  }
  // Finished or closed: the engine no longer holds the message; the
  // projection merges it with the same rule in SQL.
  Audience audience = open != interactions_.end() ? message_audience(open->second) : Audience{};
  p.emit(std::move(audience), MessageStatusChanged{cmd.interaction, cmd.message, cmd.state, cmd.provider_message_id,
                                                   failed ? cmd.error_code : "", failed ? cmd.error_text : ""});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const ReportAttachment& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "attachment reports come from the media fetcher");
  if (cmd.interaction == 0 || cmd.interaction > last_interaction_id_ || cmd.message == 0 || cmd.message > last_message_id_)
    return error(ErrorCode::not_found, "no such message");
  const Attachment& a = cmd.attachment;
  if (cmd.index >= 10) return error(ErrorCode::not_found, "messages have at most 10 attachments");
  switch (a.state) {
    case AttachmentState::pending: return error(ErrorCode::invalid_argument, "report an attachment ready or unavailable");
    case AttachmentState::ready:
      if (a.reference.empty()) return error(ErrorCode::invalid_argument, "a ready attachment needs its stored file");
      break;
    case AttachmentState::unavailable:
      if (a.unavailable_reason.empty() || a.unavailable_reason.size() > 500)
        return error(ErrorCode::invalid_argument, "an unavailable attachment needs a reason (1 to 500 bytes)");
      break;
  }
  if (auto e = check_inbound_attachments({a})) return e;
  auto open = interactions_.find(cmd.interaction);
  if (records_.count(cmd.interaction)) {
    MessageRecord* r = find_record(cmd.interaction, cmd.message);
    if (!r) return error(ErrorCode::not_found, "no such message in the interaction");
    if (cmd.index >= r->attachments.size()) return error(ErrorCode::not_found, "the message has no such attachment");
    AttachmentState& state = r->attachments[cmd.index];
    if (state == AttachmentState::ready || state == a.state) return std::nullopt;  // nothing changes
    state = a.state;
    if (cmd.index == 0 && a.state == AttachmentState::ready) {
      if (!a.filename.empty()) r->filename = a.filename;
      r->preview_reference = a.reference;
    }
  }
  Audience audience = open != interactions_.end() ? message_audience(open->second) : Audience{};
  p.emit(std::move(audience), AttachmentUpdated{cmd.interaction, cmd.message, cmd.index, a});
  return std::nullopt;
}

}  // namespace contactd::core
