#include "sip/calls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_status.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <type_traits>

#include "core/engine.h"
#include "host/engine_host.h"
#include "media/sdp.h"
#include "sip/call_state.h"

namespace contactd::sip {
namespace {

std::string text(const char* s) { return s ? s : ""; }

// The IP address the request being handled came from ("" if unknown).
std::string source_address(nua_t* nua) {
  msg_t* request = nua_current_request(nua);
  const su_addrinfo_t* ai = request ? msg_addrinfo(request) : nullptr;
  if (!ai || !ai->ai_addr) return "";
  char host[INET6_ADDRSTRLEN] = "";
  if (ai->ai_addr->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, host, sizeof host);
  else if (ai->ai_addr->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, host, sizeof host);
  return host;
}

int sip_status_of(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::not_found: return 404;
    case core::ErrorCode::failed_precondition: return 480;
    case core::ErrorCode::unavailable: return 503;
    case core::ErrorCode::invalid_argument: return 400;
    default: return 500;
  }
}

// "Signal=5\r\nDuration=160" (application/dtmf-relay) -> '5'.
char info_digit(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_content_type || !sip->sip_content_type->c_type ||
      ::strcasecmp(sip->sip_content_type->c_type, "application/dtmf-relay") != 0)
    return 0;
  const std::string body(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
  const auto at = body.find("Signal=");
  if (at == std::string::npos || at + 7 >= body.size()) return 0;
  const char d = static_cast<char>(std::toupper(static_cast<unsigned char>(body[at + 7])));
  return (d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D') ? d : 0;
}

}  // namespace

std::string safe_user(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("+*#._-").find(c) != std::string_view::npos)
      out += c;
  return out.empty() ? "anonymous" : out.substr(0, 64);
}

std::variant<media::AudioPlan, std::string> answer_plan(const sip_t* sip) {
  if (!sip || !sip->sip_payload) return std::string("no SDP answer");
  auto parsed = media::parse_sdp(std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
  if (auto* why = std::get_if<std::string>(&parsed)) return *why;
  auto chosen = media::choose_audio(std::get<media::SessionDescription>(parsed));
  if (auto* plan = std::get_if<media::AudioPlan>(&chosen))
    if (auto refusal = media::refuse_media_target(*plan)) return refusal->reason;
  return chosen;
}

Calls::Calls(host::EngineHost& host, SipStack& stack, media::RtpRelay& relay, media::MusicLibrary& music,
             CallOptions options)
    : host_(host),
      stack_(stack),
      relay_(relay),
      music_(music),
      options_(std::move(options)),
      invites_by_source_(options_.unknown_source_invites_per_minute) {}

Calls::~Calls() = default;

void Calls::report(core::CommandBody body) {
  std::visit(
      [](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, core::CallEnded>) spdlog::debug("call {}: ended (by user {})", b.interaction, b.by);
        else if constexpr (std::is_same_v<T, core::CallNotAnswered>)
          spdlog::debug("call {}: not answered by user {}'s phone", b.interaction, b.agent);
      },
      body);
  host_.execute(
      [body = std::move(body)](core::Engine& e, core::TimePoint now) {
        return e.handle(core::Command{core::Actor::System(), body}, now);
      },
      [](const core::Outcome& o) {
        if (!o.ok()) spdlog::debug("call report refused: {}", o.error->message);  // a race the engine settled
      },
      /*client_work=*/false);
}

std::shared_ptr<Calls::Call> Calls::find(core::InteractionId interaction) {
  auto it = by_interaction_.find(interaction);
  return it == by_interaction_.end() ? nullptr : it->second.lock();
}

void Calls::on_event(nua_event_t event, int status, nua_handle_t* handle, nua_hmagic_t* magic, const sip_t* sip) {
  auto* leg = reinterpret_cast<Leg*>(magic);
  if (leg)
    spdlog::debug("call {}: {} {} on the {} leg", leg->call->interaction, nua_event_name(event), status,
                  leg->agent == core::kNoUser ? std::string("caller's") : "agent " + std::to_string(leg->agent) + "'s");
  switch (event) {
    case nua_i_invite:
      if (leg) on_reinvite(*leg, sip);
      else on_invite(handle, sip);
      break;
    case nua_r_invite:
      if (leg && leg->agent != core::kNoUser) on_agent_response(*leg, status, sip);
      else if (leg) on_customer_response(*leg, status, sip);
      break;
    case nua_i_cancel:
      if (leg && leg->agent == core::kNoUser) {
        leg->gone = true;
        customer_gone(*leg->call);
      }
      break;
    case nua_i_bye:
      if (!leg) break;
      leg->gone = true;
      if (leg->agent == core::kNoUser) customer_gone(*leg->call);
      else agent_gone(*leg);
      break;
    case nua_i_info:
      if (const char d = info_digit(sip); leg && d) on_digit(leg->media, d);
      break;
    case nua_i_terminated:
      if (leg) terminated(*leg);
      break;
    default:
      break;
  }
}

void Calls::on_invite(nua_handle_t* handle, const sip_t* sip) {
  auto reject = [&](int status, const char* phrase, const std::string& warning = "", const char* retry_after = nullptr) {
    const std::string header = warning.empty() ? "" : "399 contactd \"" + warning + "\"";
    nua_respond(handle, status, phrase, TAG_IF(!header.empty(), SIPTAG_WARNING_STR(header.c_str())),
                TAG_IF(retry_after, SIPTAG_RETRY_AFTER_STR(retry_after)), TAG_END());
    nua_handle_destroy(handle);
  };
  if (shutting_down_) return reject(SIP_503_SERVICE_UNAVAILABLE, "shutting down", "5");
  if (!sip || !sip->sip_request || !sip->sip_from) return reject(SIP_400_BAD_REQUEST);
  const std::string source = source_address(stack_.nua());
  if (!options_.trunk_addresses.contains(source) &&
      !invites_by_source_.allow(source, core::SystemClock().now())) {
    spdlog::warn("INVITE from {} refused: more than {} a minute from an address that is not a trunk", source,
                 options_.unknown_source_invites_per_minute);
    return reject(SIP_503_SERVICE_UNAVAILABLE, "too many calls from " + source, "60");
  }
  const std::string number = text(sip->sip_request->rq_url->url_user);
  if (number.empty()) return reject(SIP_404_NOT_FOUND, "dial a campaign's number");
  if (!sip->sip_payload || !sip->sip_content_type || !sip->sip_content_type->c_type ||
      ::strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0)
    return reject(SIP_488_NOT_ACCEPTABLE, "an SDP offer is required");
  auto parsed = media::parse_sdp(std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
  if (auto* why = std::get_if<std::string>(&parsed)) return reject(SIP_400_BAD_REQUEST, "malformed SDP: " + *why);
  auto& offer = std::get<media::SessionDescription>(parsed);
  auto chosen = media::choose_audio(offer);
  auto not_acceptable = [&](int warning, const std::string& why) {
    const std::string header = std::to_string(warning) + " contactd \"" + why + "\"";
    nua_respond(handle, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(header.c_str()), TAG_END());
    nua_handle_destroy(handle);
  };
  if (auto* why = std::get_if<std::string>(&chosen)) return not_acceptable(304, *why);
  if (auto refusal = media::refuse_media_target(std::get<media::AudioPlan>(chosen))) {
    spdlog::info("INVITE from {} refused: {}", source, refusal->reason);
    return not_acceptable(refusal->warning, refusal->reason);
  }
  if (live_.load() >= options_.max_calls) return reject(SIP_503_SERVICE_UNAVAILABLE, "too many calls", "5");
  const auto opened = relay_.open_leg();
  if (!opened.leg) return reject(SIP_503_SERVICE_UNAVAILABLE, "no media port free", "5");
  const auto& plan = std::get<media::AudioPlan>(chosen);

  auto call = std::make_shared<Call>();
  call->caller = safe_user(text(sip->sip_from->a_url->url_user));
  auto leg = std::make_unique<Leg>();
  leg->call = call.get();
  leg->handle = handle;
  leg->media = opened.leg;
  leg->port = opened.port;
  leg->session = next_session_++;
  leg->plan = plan;
  leg->offer = std::move(offer);
  connect_media(*leg);
  nua_handle_bind(handle, reinterpret_cast<nua_hmagic_t*>(leg.get()));
  by_media_[leg->media] = leg.get();
  call->customer = std::move(leg);
  calls_[call.get()] = call;
  ++live_;
  nua_respond(handle, SIP_180_RINGING, TAG_END());

  host_.execute(
      [this, call, number, caller = call->caller](core::Engine& e, core::TimePoint now) {
        const core::Campaign* campaign = e.find_campaign_by_number(number);
        if (!campaign) return core::Outcome::failure(core::ErrorCode::not_found, "no campaign has the number " + number);
        auto out = e.handle(core::Command{core::Actor::System(),
                                          core::OpenInteraction{campaign->id, core::Channel::phone, caller, 0}},
                            now);
        if (out.ok()) {
          // Before the effects (RingPhones) reach the SIP thread: they find the call.
          const auto id = std::get<core::CreatedReply>(out.reply).id;
          stack_.post([this, call, id, music = campaign->settings.hold_music] {
            call->interaction = id;
            call->music = music;
            by_interaction_[id] = call;
          });
        }
        return out;
      },
      [this, call](const core::Outcome& o) {
        std::optional<core::Error> error = o.error;
        stack_.post([this, call, error] { on_opened(call, error); });
      });
}

void Calls::on_opened(const std::shared_ptr<Call>& call, std::optional<core::Error> error) {
  call->opening = false;
  Leg* leg = call->customer.get();
  if (error) {
    call->ended = true;  // the engine has no such call
    if (leg && !leg->gone && !leg->hung_up) {
      leg->hung_up = true;
      const int status = sip_status_of(error->code);
      const std::string warning = "399 contactd \"" + error->message + "\"";
      nua_respond(leg->handle, status, sip_status_phrase(status), SIPTAG_WARNING_STR(warning.c_str()),
                  TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR("5")), TAG_END());
    }
    maybe_erase(*call);  // else the leg's nua_i_terminated frees the call
    return;
  }
  if (!leg || leg->gone || leg->hung_up) {  // the caller hung up (or was) while the interaction was being opened
    report_ended(*call, core::kNoUser);
    maybe_erase(*call);
    return;
  }
  const std::string sdp = media::write_sdp(options_.media_address, leg->port, leg->session, leg->version, leg->plan,
                                           media::mirror(leg->plan.remote_direction), &leg->offer);
  nua_respond(leg->handle, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
  leg->answered = true;
  // Queue music until an agent answers (ringing has already begun).
  if (call->connected == core::kNoUser) play_music(*leg, call->music);
}

void Calls::play_music(Leg& leg, const std::string& name) {
  std::string problem;
  relay_.play(leg.media, music_.get(name, &problem));
  if (!problem.empty()) spdlog::warn("hold music '{}': {}; playing the default", name, problem);
}

void Calls::on_reinvite(Leg& leg, const sip_t* sip) {
  if (!sip || !sip->sip_payload) {  // an offerless re-INVITE: keep what we have
    nua_respond(leg.handle, SIP_488_NOT_ACCEPTABLE, TAG_END());
    return;
  }
  auto parsed = media::parse_sdp(std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
  auto* offer = std::get_if<media::SessionDescription>(&parsed);
  auto chosen = offer ? media::choose_audio(*offer) : std::variant<media::AudioPlan, std::string>(std::string("bad SDP"));
  if (!offer || !std::holds_alternative<media::AudioPlan>(chosen)) {
    const std::string why = offer ? std::get<std::string>(chosen) : "malformed SDP: " + std::get<std::string>(parsed);
    const std::string header = (offer ? "304" : "399") + std::string(" contactd \"") + why + "\"";
    nua_respond(leg.handle, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(header.c_str()), TAG_END());
    return;
  }
  if (auto refusal = media::refuse_media_target(std::get<media::AudioPlan>(chosen))) {  // the session goes on as it was
    const std::string header = std::to_string(refusal->warning) + " contactd \"" + refusal->reason + "\"";
    nua_respond(leg.handle, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR(header.c_str()), TAG_END());
    return;
  }
  leg.plan = std::get<media::AudioPlan>(chosen);
  connect_media(leg);
  const std::string sdp = media::write_sdp(options_.media_address, leg.port, leg.session, ++leg.version, leg.plan,
                                           media::mirror(leg.plan.remote_direction), offer);
  nua_respond(leg.handle, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
}

void Calls::apply(const core::Effect& effect) {
  if (const auto* r = std::get_if<core::RingPhones>(&effect)) {
    stack_.post([this, r = *r] { ring(r); });
  } else if (const auto* s = std::get_if<core::StopRinging>(&effect)) {
    stack_.post([this, s = *s] { stop_ringing(s); });
  } else if (const auto* c = std::get_if<core::ControlCall>(&effect)) {
    stack_.post([this, c = *c] { control(c); });
  } else if (const auto* pc = std::get_if<core::PlaceCall>(&effect)) {
    stack_.post([this, pc = *pc] { place(pc); });
  } else if (const auto* t = std::get_if<core::TransferCall>(&effect)) {
    stack_.post([this, t = *t] { transfer(t); });
  }
}

void Calls::ring(const core::RingPhones& ring) {
  auto call = find(ring.interaction);
  if (!call || call->ended || shutting_down_) return;  // the caller left: the engine hears it from us
  const std::string from = "\"" + call->caller + "\" <sip:" + call->caller + "@" + options_.media_address + ">";
  for (const auto& target : ring.targets) {
    auto leg = invite(*call, target.agent, target.contact, from);
    if (!leg) {
      report(core::CallNotAnswered{ring.interaction, target.agent});
      continue;
    }
    call->agents.push_back(std::move(leg));
  }
}

std::unique_ptr<Calls::Leg> Calls::invite(Call& call, core::UserId agent, const std::string& uri,
                                          const std::string& from) {
  const auto opened = relay_.open_leg();
  if (!opened.leg) return nullptr;
  auto leg = std::make_unique<Leg>();
  leg->call = &call;
  leg->agent = agent;
  leg->media = opened.leg;
  leg->port = opened.port;
  leg->session = next_session_++;
  leg->outgoing = true;
  leg->owner = this;
  leg->handle = nua_handle(stack_.nua(), reinterpret_cast<nua_hmagic_t*>(leg.get()), NUTAG_URL(uri.c_str()),
                           SIPTAG_TO_STR(uri.c_str()), SIPTAG_FROM_STR(from.c_str()), TAG_END());
  if (!leg->handle) {
    relay_.close(leg->media);
    return nullptr;
  }
  const std::string sdp = media::write_offer(options_.media_address, leg->port, leg->session, leg->version, {0, 8});
  nua_invite(leg->handle, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()), TAG_END());
  by_media_[leg->media] = leg.get();
  return leg;
}

void Calls::stop_ringing(const core::StopRinging& stop) {
  auto call = find(stop.interaction);
  if (!call) return;
  for (auto& leg : call->agents)
    if (std::find(stop.agents.begin(), stop.agents.end(), leg->agent) != stop.agents.end() &&
        leg->agent != call->connected)
      hang_up(*leg);
}

void Calls::on_agent_response(Leg& leg, int status, const sip_t* sip) {
  if (status < 200) return;  // 180, 183: still ringing
  Call& call = *leg.call;
  if (leg.timer) {
    su_timer_destroy(leg.timer);
    leg.timer = nullptr;
  }
  if (leg.agent == kExternal) return on_external_response(leg, status, sip);
  if (call.outbound && status >= 300) {  // the agent's own phone did not take the call
    if (!leg.hung_up && !call.ended) report_ended(call, core::kNoUser, core::CallEndReason::agent_no_answer);
    leg.hung_up = true;
    return;
  }
  if (status >= 300) {  // declined, busy, unreachable, or our CANCEL (487)
    if (!leg.hung_up && !leg.reported && !call.ended) {
      leg.reported = true;
      report(core::CallNotAnswered{call.interaction, leg.agent});
    }
    leg.hung_up = true;
    return;
  }
  leg.answered = true;
  if (leg.hung_up || call.ended) {  // the 200 crossed our CANCEL, or the caller left
    leg.hung_up = false;
    hang_up(leg);
    return;
  }
  const auto chosen = answer_plan(sip);
  if (auto* why = std::get_if<std::string>(&chosen)) {
    spdlog::warn("agent {}'s phone answered without usable SDP ({}): hanging up", leg.agent, *why);
    hang_up(leg);
    leg.reported = true;
    report(core::CallNotAnswered{call.interaction, leg.agent});
    return;
  }
  leg.plan = std::get<media::AudioPlan>(chosen);
  connect_media(leg);
  if (call.outbound) {  // the interaction is the agent's already: now call the customer
    call.connected = leg.agent;
    dial_customer(call);
    return;
  }
  auto shared = calls_.at(&call);
  const core::UserId agent = leg.agent;
  host_.execute(
      [interaction = call.interaction, agent](core::Engine& e, core::TimePoint now) {
        return e.handle(core::Command{core::Actor::System(), core::CallAnswered{interaction, agent}}, now);
      },
      [this, shared, agent](const core::Outcome& o) {
        const bool won = o.ok();
        stack_.post([this, shared, agent, won] {
          Leg* leg = agent_leg(*shared, agent);
          if (!won) {  // another phone answered first, or the caller left
            if (leg) hang_up(*leg);
            return;
          }
          if (shared->connected == agent) return;  // a blind transfer's completion bridged it already
          if (shared->transfer_target == agent) {   // attended: the owner consults the target
            Leg* owner = agent_leg(*shared, shared->connected);
            if (owner && leg) relay_.bridge(owner->media, leg->media);
            else if (!owner) report(core::CompleteTransfer{shared->interaction});  // the owner hung up meanwhile
            return;
          }
          Leg* customer = shared->customer.get();
          if (!leg || !customer || customer->gone || shared->ended) {  // someone hung up meanwhile
            if (!shared->ended) report_ended(*shared, core::kNoUser);
            if (leg) hang_up(*leg);
            if (customer) hang_up(*customer);
            return;
          }
          shared->connected = agent;
          relay_.play(customer->media, nullptr);
          relay_.bridge(customer->media, leg->media);
        });
      },
      /*client_work=*/false);
}

void Calls::customer_gone(Call& call) {
  if (!call.opening && !call.ended) report_ended(call, core::kNoUser);
  for (auto& leg : call.agents) hang_up(*leg);
}

void Calls::agent_gone(Leg& leg) {
  Call& call = *leg.call;
  if (leg.agent == kExternal) {  // the far end of a transfer to a number hung up
    if (call.customer) hang_up(*call.customer);
    return;
  }
  if (leg.agent == call.transfer_target && !call.ended) {  // the consulted agent hung up: the transfer is off
    report(core::CancelTransfer{call.interaction});
    return;
  }
  if (leg.agent == call.connected && call.transfer_target != core::kNoUser && !call.ended) {
    // The owner hung up during a transfer: the caller goes on waiting for the
    // target (attended and consulting: the owner's hang-up hands them over).
    if (call.attended && agent_leg(call, call.transfer_target)) report(core::CompleteTransfer{call.interaction});
    return;
  }
  if (call.connected != leg.agent || call.ended) return;  // a phone that lost the race
  report_ended(call, core::kNoUser);
  if (call.customer) hang_up(*call.customer);
}

void Calls::report_ended(Call& call, core::UserId by, core::CallEndReason reason) {
  call.ended = true;
  if (call.interaction) report(core::CallEnded{call.interaction, by, reason});
}

void Calls::connect_media(Leg& leg) {
  const auto trust = options_.trunk_addresses.contains(leg.plan.remote_address) ? media::RemoteTrust::trusted
                                                                                 : media::RemoteTrust::after_rtp;
  relay_.connect(leg.media, leg.plan.remote_address, leg.plan.remote_port, leg.plan.payload_type,
                 leg.plan.telephone_event, trust);
}

void Calls::hang_up(Leg& leg, const char* reason) {
  if (leg.hung_up || leg.gone) return;
  leg.hung_up = true;
  if (leg.answered) {
    nua_bye(leg.handle, TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
  } else if (leg.outgoing) {
    nua_cancel(leg.handle, TAG_END());
  } else {
    nua_respond(leg.handle, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
  }
}

void Calls::terminated(Leg& leg) {
  Call& call = *leg.call;
  auto keep = calls_.at(&call);  // the call outlives this function
  if (!leg.gone && !leg.hung_up) {  // ended under us (timeout, transport error)
    leg.gone = true;
    if (leg.agent == core::kNoUser) {
      customer_gone(call);
    } else if (leg.answered) {
      agent_gone(leg);
    } else if (!leg.reported && !call.ended) {
      leg.reported = true;
      report(core::CallNotAnswered{call.interaction, leg.agent});
    }
  }
  if (leg.timer) su_timer_destroy(leg.timer);
  leg.timer = nullptr;
  by_media_.erase(leg.media);
  relay_.close(leg.media);
  nua_handle_bind(leg.handle, nullptr);
  nua_handle_destroy(leg.handle);
  if (&leg == call.customer.get()) {
    call.customer.reset();
  } else {
    std::erase_if(call.agents, [&](const std::unique_ptr<Leg>& l) { return l.get() == &leg; });
  }
  maybe_erase(call);
}

void Calls::maybe_erase(Call& call) {
  if (call.opening || call.customer || !call.agents.empty()) return;
  if (call.interaction) by_interaction_.erase(call.interaction);
  calls_.erase(&call);
  --live_;
}

Calls::Leg* Calls::agent_leg(Call& call, core::UserId agent) {
  for (auto& l : call.agents)
    if (l->agent == agent && l->answered && !l->hung_up && !l->gone) return l.get();
  return nullptr;
}

void Calls::shut_down() {
  shutting_down_ = true;
  for (auto& [ptr, call] : calls_) {
    std::vector<Leg*> legs;
    if (call->customer) legs.push_back(call->customer.get());
    for (auto& l : call->agents) legs.push_back(l.get());
    for (Leg* leg : legs) {
      if (!leg->hung_up && !leg->gone) {
        leg->hung_up = true;
        if (leg->answered) nua_bye(leg->handle, TAG_END());
        else if (leg->agent == core::kNoUser) nua_respond(leg->handle, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
        else nua_cancel(leg->handle, TAG_END());
      }
      if (leg->timer) su_timer_destroy(leg->timer);
      leg->timer = nullptr;
      relay_.close(leg->media);
      nua_handle_bind(leg->handle, nullptr);  // sofia frees the handles at nua_destroy
    }
  }
  by_media_.clear();
  by_interaction_.clear();
  calls_.clear();
  live_ = 0;
}

}  // namespace contactd::sip
