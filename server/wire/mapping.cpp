#include "wire/mapping.h"

#include <google/protobuf/util/json_util.h>

namespace contactd::wire {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

v1::ErrorCode to_proto(core::ErrorCode code) {
  using C = core::ErrorCode;
  switch (code) {
    case C::invalid_argument: return v1::INVALID_ARGUMENT;
    case C::not_found: return v1::NOT_FOUND;
    case C::already_exists: return v1::ALREADY_EXISTS;
    case C::permission_denied: return v1::PERMISSION_DENIED;
    case C::unauthenticated: return v1::UNAUTHENTICATED;
    case C::failed_precondition: return v1::FAILED_PRECONDITION;
    case C::unavailable: return v1::UNAVAILABLE;
    case C::internal: return v1::INTERNAL;
  }
  return v1::INTERNAL;
}

v1::Profile to_proto(core::Profile p) {
  switch (p) {
    case core::Profile::agent: return v1::AGENT;
    case core::Profile::supervisor: return v1::SUPERVISOR;
    case core::Profile::administrator: return v1::ADMINISTRATOR;
    case core::Profile::super_user: return v1::SUPER_USER;
  }
  return v1::PROFILE_UNSPECIFIED;
}

void to_proto(const core::UserView& in, v1::UserState* out) {
  out->set_id(in.id);
  out->set_login(in.login);
  out->set_display_name(in.display_name);
  out->set_profile(to_proto(in.profile));
  for (auto c : in.campaigns) out->add_campaign_ids(c);
  out->set_connected(in.connected);
  out->set_presence_since_ms(core::to_unix_ms(in.presence_since));
  out->set_status_id(in.status.value_or(0));
  out->set_status_since_ms(core::to_unix_ms(in.status_since));
}

void to_proto(const core::Snapshot& in, v1::Snapshot* out) {
  to_proto(in.me, out->mutable_me());
  for (const auto& c : in.campaigns) {
    auto* pc = out->add_campaigns();
    pc->set_id(c.id);
    pc->set_name(c.name);
  }
  for (const auto& s : in.statuses) {
    auto* ps = out->add_statuses();
    ps->set_id(s.id);
    ps->set_name(s.name);
  }
  for (const auto& u : in.overseen) to_proto(u, out->add_overseen());
}

void to_proto(const core::Event& in, v1::Event* out) {
  out->set_journal_seq(in.seq);
  out->set_at_ms(core::to_unix_ms(in.at));
  std::visit(Overloaded{
                 [&](const core::PresenceChanged& e) {
                   auto* m = out->mutable_presence_changed();
                   m->set_user_id(e.user);
                   m->set_connected(e.connected);
                 },
                 [&](const core::AgentStatusChanged& e) {
                   auto* m = out->mutable_agent_status_changed();
                   m->set_user_id(e.user);
                   m->set_status_id(e.status.value_or(0));
                   m->set_changed_by(e.changed_by);
                 },
                 [&](const core::CampaignCreated& e) {
                   auto* m = out->mutable_campaign_created();
                   m->set_campaign_id(e.campaign);
                   m->set_name(e.name);
                 },
                 [&](const core::UserCreated& e) {
                   auto* m = out->mutable_user_created();
                   m->set_user_id(e.user);
                   m->set_login(e.login);
                   m->set_display_name(e.display_name);
                   m->set_profile(to_proto(e.profile));
                 },
                 [&](const core::MembershipChanged& e) {
                   auto* m = out->mutable_membership_changed();
                   m->set_user_id(e.user);
                   m->set_campaign_id(e.campaign);
                   m->set_member(e.member);
                 },
                 [&](const core::StatusDefined& e) {
                   auto* m = out->mutable_status_defined();
                   m->set_status_id(e.status);
                   m->set_name(e.name);
                 },
                 [&](const core::SessionOpened& e) {
                   auto* m = out->mutable_session_opened();
                   m->set_session_id(e.session);
                   m->set_user_id(e.user);
                   m->set_expires_at_ms(core::to_unix_ms(e.expires_at));
                 },
                 [&](const core::SessionEnded& e) {
                   auto* m = out->mutable_session_ended();
                   m->set_session_id(e.session);
                   m->set_user_id(e.user);
                   m->set_reason(std::string(core::to_string(e.reason)));
                 },
             },
             in.body);
}

std::string_view event_type(const core::Event& e) {
  return std::visit(Overloaded{
                        [](const core::PresenceChanged&) { return "presence_changed"; },
                        [](const core::AgentStatusChanged&) { return "agent_status_changed"; },
                        [](const core::CampaignCreated&) { return "campaign_created"; },
                        [](const core::UserCreated&) { return "user_created"; },
                        [](const core::MembershipChanged&) { return "membership_changed"; },
                        [](const core::StatusDefined&) { return "status_defined"; },
                        [](const core::SessionOpened&) { return "session_opened"; },
                        [](const core::SessionEnded&) { return "session_ended"; },
                    },
                    e.body);
}

std::string event_json(const v1::Event& e) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;  // explicit false and 0 in the journal
  (void)google::protobuf::util::MessageToJsonString(e, &out, opts);
  return out;
}

}  // namespace contactd::wire
