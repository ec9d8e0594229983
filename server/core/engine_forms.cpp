// The built-in CRM and campaign forms (R-FORM-1/2). Contact records are
// shared by every user, their interactions and changes to them are scoped
// (R-SEC-4/CRM, contact_scope.h); form data belongs to the interaction it was
// saved with (or, by manual access, to the campaign and the user who saved it).
#include <cctype>

#include "core/address.h"
#include "core/engine_internal.h"

namespace contactd::core {
namespace {

bool contains_ascii_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() &&
           std::tolower(static_cast<unsigned char>(hay[i + k])) == std::tolower(static_cast<unsigned char>(needle[k])))
      ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

}  // namespace

std::vector<ManualForm> Engine::manual_forms(UserId viewer) const {
  std::vector<ManualForm> out;
  const User* me = find_user(viewer);
  if (!me) return out;
  for (const auto& [id, c] : campaigns_) {
    const FormSettings& f = c.settings.form;
    if (c.archived || f.kind == FormKind::none || !f.manual_access) continue;
    if (!me->campaigns.count(id) && me->profile != Profile::super_user) continue;
    out.push_back(ManualForm{id, f.kind, manual_form_label(f, c.name), f.kind == FormKind::external ? f.url : ""});
  }
  return out;
}

MaybeError Engine::may_open_form(UserId viewer, CampaignId campaign, InteractionId interaction) const {
  const User* me = find_user(viewer);
  if (!me) return error(ErrorCode::permission_denied, "forms belong to users");
  if (interaction != 0) {
    const Interaction* i = find_interaction(interaction);
    if (!i) return error(ErrorCode::not_found, "no such open interaction");
    if (i->owner != viewer) return error(ErrorCode::permission_denied, "the interaction is not yours");
    if (i->state != InteractionState::active && i->state != InteractionState::finished)
      return error(ErrorCode::failed_precondition, "forms are filled in on active or finished interactions");
    if (campaigns_.at(i->campaign).settings.form.kind == FormKind::none)
      return error(ErrorCode::failed_precondition, "the campaign has no form");
    return std::nullopt;
  }
  auto cit = campaigns_.find(campaign);
  if (cit == campaigns_.end()) return error(ErrorCode::not_found, "no such campaign");
  const FormSettings& f = cit->second.settings.form;
  if (f.kind == FormKind::none) return error(ErrorCode::failed_precondition, "the campaign has no form");
  if (!f.manual_access) return error(ErrorCode::permission_denied, "the campaign's form has no manual access");
  if (cit->second.archived) return error(ErrorCode::failed_precondition, "the campaign is archived");
  if (!me->campaigns.count(campaign) && me->profile != Profile::super_user)
    return error(ErrorCode::permission_denied, "not a campaign of yours");
  return std::nullopt;
}

std::vector<const Contact*> Engine::search_contacts(std::string_view text, std::size_t limit) const {
  std::vector<const Contact*> out;
  for (const auto& [id, c] : contacts_) {
    if (out.size() >= limit) break;
    bool hit = contains_ascii_ci(c.name, text);
    for (const auto& a : c.addresses) hit = hit || a.value.rfind(text, 0) == 0;
    if (hit) out.push_back(&c);
  }
  return out;
}

ContactReach Engine::contact_reach(ContactId id) const {
  ContactReach reach;
  if (auto it = closed_work_.find(id); it != closed_work_.end()) reach.work = it->second;
  for (const auto& [interaction, i] : interactions_)
    if (i.contact == id) reach.work.insert(ContactTouch{i.campaign, i.owner});
  if (auto it = contact_creators_.find(id); it != contact_creators_.end()) reach.created_by = it->second;
  return reach;
}

void Engine::remember_closed_work(const Interaction& i) {
  if (i.contact != 0) closed_work_[i.contact].insert(ContactTouch{i.campaign, i.owner});
}

MaybeError Engine::on(const Actor& actor, const SaveContact& cmd, Pending& p) {
  const User* me = find_user(actor.user);
  if (!actor.system && !me) return error(ErrorCode::permission_denied, "contacts are saved by users");
  if (auto e = check_name("contact name", cmd.name)) return e;
  if (auto e = check_form_limits(cmd.fields)) return e;
  if (cmd.addresses.size() > kMaxContactAddresses) return error(ErrorCode::invalid_argument, "a contact has at most 20 addresses");
  Contact next{cmd.contact, cmd.name, {}, cmd.fields};
  const Contact* old = nullptr;
  if (cmd.contact != 0) {
    old = find_contact(cmd.contact);
    if (!old) return error(ErrorCode::not_found, "no such contact");
    if (!actor.system) {
      ContactReach reach = contact_reach(old->id);
      // The caller's own interaction with one of the contact's addresses is
      // the contact's customer's, linked or not yet.
      if (const Interaction* i = find_interaction(cmd.link);
          i && i->owner == actor.user && find_contact_by_address(i->channel, i->customer) == old)
        reach.work.insert(ContactTouch{i->campaign, i->owner});
      if (!may_change_contact(*me, reach))
        return error(ErrorCode::permission_denied,
                     "the contact's interactions are outside your scope; a supervisor of their campaign may change it");
    }
  }
  for (const ContactAddress& a : cmd.addresses) {
    std::string value = a.value;
    if (can_start(a.channel)) {
      auto normal = normalize_address(a.channel, a.value);
      if (auto* e = std::get_if<Error>(&normal)) return *e;
      value = std::get<std::string>(normal);
    } else if (value.empty() || value.size() > 320) {
      return error(ErrorCode::invalid_argument, "an address is 1 to 320 bytes");
    }
    ContactAddress clean{a.channel, std::move(value)};
    if (std::find(next.addresses.begin(), next.addresses.end(), clean) != next.addresses.end())
      return error(ErrorCode::invalid_argument, "the same address is listed twice");
    const Contact* holder = find_contact_by_address(clean.channel, clean.value);
    if (holder && holder->id != cmd.contact)
      return error(ErrorCode::already_exists,
                   "the address " + clean.value + " belongs to contact " + std::to_string(holder->id));
    next.addresses.push_back(std::move(clean));
  }
  Interaction* linked = nullptr;
  if (cmd.link != 0) {
    MaybeError err;
    linked = owned_by(actor, cmd.link, err);
    if (!linked) return err;
    if (linked->state != InteractionState::active && linked->state != InteractionState::finished)
      return error(ErrorCode::failed_precondition, "contacts are linked to active or finished interactions");
  }

  if (old) unindex_contact(*old);
  if (next.id == 0) {
    next.id = ++last_contact_id_;
    if (me) contact_creators_.emplace(next.id, me->id);
  }
  index_contact(next);
  contacts_[next.id] = next;
  Audience audience;
  if (me) audience.users = {me->id};
  if (linked) {
    linked->contact = next.id;
    if (linked->owner != kNoUser && linked->owner != actor.user) audience.users.push_back(linked->owner);
  }
  p.out->reply = CreatedReply{next.id};
  p.emit(std::move(audience), ContactSaved{std::move(next), actor.system ? kNoUser : actor.user, cmd.link});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SaveForm& cmd, Pending& p) {
  if (actor.system) return error(ErrorCode::permission_denied, "forms are saved by users");
  if (auto e = may_open_form(actor.user, cmd.campaign, cmd.interaction)) return e;
  const CampaignId campaign = cmd.interaction ? interactions_.at(cmd.interaction).campaign : cmd.campaign;
  const FormSettings& form = campaigns_.at(campaign).settings.form;
  if (form.kind == FormKind::builtin)
    return error(ErrorCode::failed_precondition, "this campaign's form is the contact record: save it with save_contact");
  if (auto e = check_form_data(form, cmd.fields)) return e;
  User& me = users_.at(actor.user);
  Audience audience = hub_audience(campaign);
  audience.users = {me.id};
  p.emit(std::move(audience), FormSaved{campaign, cmd.interaction, me.id, cmd.fields});
  if (auto d = me.form_drafts.find(campaign); d != me.form_drafts.end() && d->second.interaction == cmd.interaction) {
    me.form_drafts.erase(d);
    Audience mine;
    mine.users = {me.id};
    p.emit(std::move(mine), FormDraftSaved{me.id, campaign, std::nullopt});
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SaveFormDraft& cmd, Pending& p) {
  if (actor.system) return error(ErrorCode::permission_denied, "form drafts belong to users");
  User* me = user(actor.user);
  if (!me) return error(ErrorCode::permission_denied, "form drafts belong to users");
  const bool erase = cmd.draft.interaction == 0 && cmd.draft.fields.empty();
  auto it = me->form_drafts.find(cmd.campaign);
  if (erase) {
    if (it == me->form_drafts.end()) return std::nullopt;  // already so
  } else {
    if (auto e = check_form_limits(cmd.draft.fields)) return e;
    if (auto e = may_open_form(me->id, cmd.campaign, cmd.draft.interaction)) return e;
    if (cmd.draft.interaction && interactions_.at(cmd.draft.interaction).campaign != cmd.campaign)
      return error(ErrorCode::invalid_argument, "the interaction belongs to another campaign");
    if (it != me->form_drafts.end() && it->second == cmd.draft) return std::nullopt;
  }
  Audience mine;
  mine.users = {me->id};  // one open form per campaign: the user's other clients follow
  if (erase) {
    me->form_drafts.erase(it);
    p.emit(std::move(mine), FormDraftSaved{me->id, cmd.campaign, std::nullopt});
  } else {
    me->form_drafts[cmd.campaign] = cmd.draft;
    p.emit(std::move(mine), FormDraftSaved{me->id, cmd.campaign, cmd.draft});
  }
  return std::nullopt;
}

}  // namespace contactd::core
