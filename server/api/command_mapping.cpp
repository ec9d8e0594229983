#include "api/command_mapping.h"

#include "wire/campaign_mapping.h"
#include "wire/outbound_mapping.h"
#include "wire/provider_mapping.h"

namespace contactd::api {
namespace {

namespace v1 = ::contactd::v1;

core::Error invalid(std::string message) { return core::Error{core::ErrorCode::invalid_argument, std::move(message)}; }

Mapped settings_command(std::uint64_t campaign, const std::string* name, const v1::CampaignSettings& in) {
  core::CampaignSettings settings;
  if (auto e = wire::from_proto(in, &settings)) return *e;
  if (name) return core::CommandBody{core::CreateCampaign{*name, std::move(settings)}};
  if (campaign == 0) return invalid("campaign_id is required");
  return core::CommandBody{core::UpdateCampaign{campaign, std::move(settings)}};
}

// A partial update_campaign: the named fields of `in` over the defaults (so
// the fields it does not name need not be valid on their own); the engine
// merges them into the campaign's current settings.
Mapped partial_update_command(const v1::UpdateCampaign& in) {
  if (in.campaign_id() == 0) return invalid("campaign_id is required");
  std::vector<core::SettingsField> only;
  for (const auto& path : in.update_mask().paths()) {
    auto field = wire::settings_field_from_path(path);
    if (!field)
      return invalid("update_mask path '" + path + "' is not a top-level campaign setting (e.g. transfer_timeout_ms)");
    only.push_back(*field);
  }
  v1::CampaignSettings named;
  wire::to_proto(core::CampaignSettings{}, &named);
  wire::merge_named(in.settings(), in.update_mask(), &named);
  core::CampaignSettings settings;
  if (auto e = wire::from_proto(named, &settings)) return *e;
  return core::CommandBody{core::UpdateCampaign{in.campaign_id(), std::move(settings), std::move(only)}};
}

template <class Repeated>
std::vector<core::Attachment> attachments_of(const Repeated& in) {
  std::vector<core::Attachment> out;
  for (const auto& a : in) out.push_back(wire::client_attachment(a));
  return out;
}

template <class Message>
std::optional<core::TemplateUse> template_of(const Message& m) {
  if (!m.has_template_()) return std::nullopt;
  return wire::from_proto(m.template_());
}

// A template's header file travels as the message's attachment (looked up,
// checked and bound like any other); a client may name it only in the template.
template <class Message>
std::vector<core::Attachment> message_attachments(const Message& m) {
  auto out = attachments_of(m.attachments());
  if (m.has_template_() && !m.template_().header_attachment().empty() && out.empty()) {
    core::Attachment header;
    header.reference = m.template_().header_attachment();
    out.push_back(std::move(header));
  }
  return out;
}

std::optional<core::TimePoint> time_of(std::int64_t ms) {
  if (ms <= 0) return std::nullopt;
  return core::from_unix_ms(ms);
}

}  // namespace

std::optional<core::Profile> profile_from_proto(v1::Profile p) {
  switch (p) {
    case v1::AGENT: return core::Profile::agent;
    case v1::SUPERVISOR: return core::Profile::supervisor;
    case v1::ADMINISTRATOR: return core::Profile::administrator;
    case v1::SUPER_USER: return core::Profile::super_user;
    default: return std::nullopt;
  }
}

Mapped update_user(const v1::UpdateUser& u, std::optional<std::string> password_hash) {
  if (u.user_id() == 0) return invalid("user_id is required");
  core::UpdateUser out{u.user_id(), {}, {}, std::move(password_hash), {}, {}};
  if (u.has_display_name()) out.display_name = u.display_name();
  if (u.profile() != v1::PROFILE_UNSPECIFIED) {
    out.profile = profile_from_proto(u.profile());
    if (!out.profile) return invalid("unknown profile");
  }
  if (u.has_active()) out.active = u.active();
  if (u.has_capacity()) {
    std::array<std::uint16_t, core::kChannelCount> capacity{};
    for (const auto& e : u.capacity().entries()) {
      auto ch = wire::channel_from_proto(e.channel());
      if (!ch) return invalid("capacity entries need a channel");
      if (e.capacity() > 100) return invalid("capacity must be 0 (campaign default) to 100");
      capacity[core::index(*ch)] = static_cast<std::uint16_t>(e.capacity());
    }
    out.capacity = capacity;
  }
  return core::CommandBody{std::move(out)};
}

std::optional<Mapped> to_core(const v1::Command& c) {
  using K = v1::Command;
  switch (c.kind_case()) {
    case K::kSetStatus:
      if (c.set_status().status_id() == 0) return invalid("status_id is required (use ClearStatus to clear)");
      return core::CommandBody{core::SetStatus{c.set_status().target_user_id(), c.set_status().status_id()}};
    case K::kClearStatus:
      return core::CommandBody{core::ClearStatus{c.clear_status().target_user_id()}};
    case K::kCreateCampaign:
      return settings_command(0, &c.create_campaign().name(), c.create_campaign().settings());
    case K::kUpdateCampaign:
      if (c.update_campaign().has_update_mask() && c.update_campaign().update_mask().paths_size() > 0)
        return partial_update_command(c.update_campaign());
      return settings_command(c.update_campaign().campaign_id(), nullptr, c.update_campaign().settings());
    case K::kArchiveCampaign:
      if (c.archive_campaign().campaign_id() == 0) return invalid("campaign_id is required");
      return core::CommandBody{core::ArchiveCampaign{c.archive_campaign().campaign_id(), c.archive_campaign().archived()}};
    case K::kSetMembership: {
      const auto& m = c.set_membership();
      core::ChannelSet outbound;
      for (int ch : m.outbound()) {
        auto channel = wire::channel_from_proto(static_cast<v1::Channel>(ch));
        if (!channel) return invalid("unknown outbound channel");
        outbound.set(core::index(*channel));
      }
      return core::CommandBody{core::SetMembership{m.user_id(), m.campaign_id(), m.member(), m.order(), outbound}};
    }
    case K::kDefineStatus:
      return core::CommandBody{core::DefineStatus{c.define_status().name()}};
    case K::kTake:
      return core::CommandBody{core::Take{c.take().interaction_id()}};
    case K::kFinish:
      return core::CommandBody{core::Finish{c.finish().interaction_id()}};
    case K::kSaveDisposition: {
      const auto& d = c.save_disposition();
      std::optional<core::TimePoint> at;
      if (d.reschedule_at_ms() < 0) return invalid("reschedule_at_ms must be a Unix time in milliseconds");
      if (d.reschedule_at_ms() > 0) at = core::from_unix_ms(d.reschedule_at_ms());
      return core::CommandBody{core::SaveDisposition{
          d.interaction_id(), std::vector<std::uint32_t>(d.path().begin(), d.path().end()), d.comment(), at, d.close()}};
    }
    case K::kCloseInteraction:
      return core::CommandBody{core::CloseInteraction{c.close_interaction().interaction_id()}};
    case K::kTransfer:
      return core::CommandBody{
          core::TransferInteraction{c.transfer().interaction_id(), c.transfer().to_agent(), c.transfer().to_campaign(),
                                    c.transfer().to_number(), c.transfer().attended()}};
    case K::kSendMessage: {
      const auto& m = c.send_message();
      return core::CommandBody{core::SendMessage{m.interaction_id(), m.text(), message_attachments(m),
                                                 m.reply_to_message_id(), template_of(m)}};
    }
    case K::kSaveDraft: {
      const auto& d = c.save_draft().draft();
      auto channel = wire::channel_from_proto(d.channel());
      if (!channel) return invalid("draft.channel is required");
      core::Draft draft{d.campaign_id(), {d.fields().begin(), d.fields().end()}};
      return core::CommandBody{core::SaveDraft{*channel, std::move(draft)}};
    }
    case K::kUpdateStatus: {
      const auto& u = c.update_status();
      return core::CommandBody{core::UpdateStatus{u.status_id(), u.name(), u.removed()}};
    }
    case K::kUpdateUser:
      if (c.update_user().has_password() || c.update_user().has_sip_password())
        return std::nullopt;  // secrets are derived by the dispatcher first
      return update_user(c.update_user(), std::nullopt);
    case K::kUploadContacts: {
      const auto& u = c.upload_contacts();
      auto channel = wire::channel_from_proto(u.channel());
      if (!channel) return invalid("channel is required");
      if (u.due_at_ms() < 0) return invalid("due_at_ms must be a Unix time in milliseconds");
      std::vector<core::ContactRow> rows;
      rows.reserve(static_cast<std::size_t>(u.rows_size()));
      for (const auto& r : u.rows()) rows.push_back(core::ContactRow{r.name(), r.address(), {r.fields().begin(), r.fields().end()}});
      return core::CommandBody{core::UploadContacts{u.campaign_id(), *channel, u.list(), std::move(rows), time_of(u.due_at_ms())}};
    }
    case K::kStartInteraction: {
      const auto& s = c.start_interaction();
      auto channel = wire::channel_from_proto(s.channel());
      if (!channel) return invalid("channel is required");
      return core::CommandBody{core::StartInteraction{s.campaign_id(), *channel, s.address(), s.text(),
                                                      message_attachments(s), template_of(s)}};
    }
    case K::kEndWrapUp:
      return core::CommandBody{core::EndWrapUp{}};
    case K::kHoldCall:
      return core::CommandBody{core::HoldCall{c.hold_call().interaction_id(), c.hold_call().held()}};
    case K::kMuteCall:
      return core::CommandBody{core::MuteCall{c.mute_call().interaction_id(), c.mute_call().muted()}};
    case K::kSendDigits:
      return core::CommandBody{core::SendDigits{c.send_digits().interaction_id(), c.send_digits().digits()}};
    case K::kCompleteTransfer:
      return core::CommandBody{core::CompleteTransfer{c.complete_transfer().interaction_id()}};
    case K::kCancelTransfer:
      return core::CommandBody{core::CancelTransfer{c.cancel_transfer().interaction_id()}};
    case K::kHangUp:
      return core::CommandBody{core::HangUp{c.hang_up().interaction_id()}};
    case K::kCancelAttempt:
      return core::CommandBody{core::CancelAttempt{c.cancel_attempt().attempt_id()}};
    case K::kSaveContact: {
      const auto& sc = c.save_contact();
      core::SaveContact out{sc.contact_id(), sc.name(), {}, {sc.fields().begin(), sc.fields().end()}, sc.link_interaction_id()};
      for (const auto& a : sc.addresses()) {
        core::ContactAddress address;
        if (auto e = wire::from_proto(a, &address)) return *e;
        out.addresses.push_back(std::move(address));
      }
      return core::CommandBody{std::move(out)};
    }
    case K::kSaveForm: {
      const auto& f = c.save_form();
      if (f.interaction_id() == 0 && f.campaign_id() == 0) return invalid("interaction_id or campaign_id is required");
      return core::CommandBody{core::SaveForm{f.campaign_id(), f.interaction_id(), {f.fields().begin(), f.fields().end()}}};
    }
    case K::kSaveFormDraft: {
      const auto& d = c.save_form_draft().draft();
      if (d.campaign_id() == 0) return invalid("draft.campaign_id is required");
      return core::CommandBody{
          core::SaveFormDraft{d.campaign_id(), core::FormDraft{d.interaction_id(), {d.fields().begin(), d.fields().end()}}}};
    }
    case K::kSaveProviderAccount: {
      core::ProviderAccount account;
      if (auto e = wire::from_proto(c.save_provider_account().account(), &account)) return *e;
      return core::CommandBody{core::SaveProviderAccount{std::move(account)}};
    }
    case K::kSaveTemplate:
      if (c.save_template().account_id() == 0) return invalid("account_id is required");
      return core::CommandBody{
          core::SaveTemplate{c.save_template().account_id(), wire::from_proto(c.save_template().definition())}};
    case K::kRefreshTemplates:
      if (c.refresh_templates().account_id() == 0) return invalid("account_id is required");
      return core::CommandBody{core::RefreshTemplates{c.refresh_templates().account_id()}};
    case K::kDeleteTemplate: {
      const auto& d = c.delete_template();
      if (d.account_id() == 0) return invalid("account_id is required");
      return core::CommandBody{core::DeleteTemplate{d.account_id(), d.name(), d.language()}};
    }
    case K::kAcceptTransfer:
      return core::CommandBody{core::AcceptTransfer{c.accept_transfer().interaction_id()}};
    default:
      return std::nullopt;
  }
}

}  // namespace contactd::api
