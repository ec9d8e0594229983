#include "api/command_mapping.h"

#include "wire/campaign_mapping.h"

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

}  // namespace

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
          core::TransferInteraction{c.transfer().interaction_id(), c.transfer().to_agent(), c.transfer().to_campaign()}};
    case K::kSendMessage: {
      const auto& m = c.send_message();
      std::vector<core::Attachment> attachments;
      for (const auto& a : m.attachments())
        attachments.push_back(core::Attachment{a.filename(), a.size_bytes(), a.reference(), a.voice()});
      return core::CommandBody{core::SendMessage{m.interaction_id(), m.text(), std::move(attachments)}};
    }
    case K::kSaveDraft: {
      const auto& d = c.save_draft().draft();
      auto channel = wire::channel_from_proto(d.channel());
      if (!channel) return invalid("draft.channel is required");
      core::Draft draft{d.campaign_id(), {d.fields().begin(), d.fields().end()}};
      return core::CommandBody{core::SaveDraft{*channel, std::move(draft)}};
    }
    case K::kAcceptTransfer:
      return core::CommandBody{core::AcceptTransfer{c.accept_transfer().interaction_id()}};
    default:
      return std::nullopt;
  }
}

}  // namespace contactd::api
