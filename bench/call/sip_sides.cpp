#include "call/sip_sides.h"

#include <sofia-sip/sip_status.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <thread>

#include "media/sdp.h"

namespace contactd::bench::call {
namespace {

std::string text(const char* s) { return s ? s : ""; }

// The SDP body of a message, if it has one.
std::optional<std::string> sdp_of(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_content_type || !sip->sip_content_type->c_type ||
      ::strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0)
    return std::nullopt;
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

// "c123" -> 123; 0 if the user part is not a customer of ours.
std::uint64_t serial_of(const char* user) {
  if (!user || user[0] != 'c' || !user[1]) return 0;
  std::uint64_t v = 0;
  for (const char* p = user + 1; *p; ++p) {
    if (*p < '0' || *p > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(*p - '0');
  }
  return v;
}

// Marks INVITE handles of the agent phones (the registrations carry their
// Registration object instead).
int agent_call_tag;
nua_hmagic_t* const kAgentCall = reinterpret_cast<nua_hmagic_t*>(&agent_call_tag);

}  // namespace

// --- Agent phones ----------------------------------------------------------

struct AgentPhones::Registration {
  std::string login;
  std::string auth;  // NUTAG_AUTH credentials
  nua_handle_t* nh{nullptr};
  bool challenged{false};
  bool done{false};
  bool unregistering{false};
};

AgentPhones::AgentPhones(Tracker& tracker, std::uint16_t rtp_port, std::function<void(std::uint64_t)> on_rang)
    : tracker_(tracker), rtp_port_(rtp_port), on_rang_(std::move(on_rang)) {
  sip::StackOptions options{"127.0.0.1", 0, "udp", "contactd-call-bench-phones"};
  options.allow = "INVITE, ACK, BYE, CANCEL, OPTIONS";
  options.handled = "INVITE";
  options.retry_count = 3;  // the digest challenge is answered by restarting the REGISTER
  stack_ = std::make_unique<sip::SipStack>(
      options, [this](nua_event_t e, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                      const sip_t* sip, tagi_t*) { on_event(e, status, phrase, nh, magic, sip); });
  stack_->post([this] { tid_ = static_cast<int>(::gettid()); });
}

AgentPhones::~AgentPhones() {
  // Registrations are dropped without un-REGISTER (contactd is gone or about
  // to be; sofia would otherwise wait out its answer on shutdown).
  stack_->post([this] {
    for (auto& r : registrations_)
      if (r->nh) nua_handle_destroy(r->nh);
    registrations_.clear();
  });
  stack_->stop();
}

std::size_t AgentPhones::register_all(std::uint16_t registrar_port, const std::vector<Credentials>& agents,
                                      std::chrono::seconds limit) {
  {
    std::lock_guard lock(mu_);
    registered_ = 0;
    failures_.clear();
  }
  const std::string registrar = "sip:127.0.0.1:" + std::to_string(registrar_port) + ";transport=udp";
  stack_->post([this, registrar, agents] {
    for (const auto& a : agents) {
      auto r = std::make_unique<Registration>();
      r->login = a.login;
      r->auth = "Digest:\"contactd\":" + a.login + ":" + a.password;
      const std::string aor = "sip:" + a.login + "@127.0.0.1";
      r->nh = nua_handle(stack_->nua(), reinterpret_cast<nua_hmagic_t*>(r.get()), SIPTAG_TO_STR(aor.c_str()),
                         SIPTAG_FROM_STR(aor.c_str()), TAG_END());
      nua_register(r->nh, NUTAG_REGISTRAR(registrar.c_str()), NUTAG_M_USERNAME(a.login.c_str()),
                   SIPTAG_EXPIRES_STR("3600"), NUTAG_OUTBOUND("no-options-keepalive, no-validate"), TAG_END());
      registrations_.push_back(std::move(r));
    }
  });
  const auto deadline = Clock::now() + limit;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      std::size_t failed = 0;
      for (const auto& [why, n] : failures_) failed += n;
      if (registered_ + failed >= agents.size() || Clock::now() >= deadline) return registered_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::size_t AgentPhones::unregister_all(std::chrono::seconds limit) {
  {
    std::lock_guard lock(mu_);
    unregistered_ = 0;
  }
  std::size_t count = 0;
  {
    std::promise<std::size_t> posted;
    auto n = posted.get_future();
    stack_->post([this, &posted] {
      std::size_t k = 0;
      for (auto& r : registrations_) {
        if (!r->nh) continue;
        r->done = false;
        r->challenged = false;
        r->unregistering = true;
        nua_unregister(r->nh, TAG_END());
        ++k;
      }
      posted.set_value(k);
    });
    count = n.get();
  }
  const auto deadline = Clock::now() + limit;
  std::size_t done = 0;
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      done = unregistered_;
    }
    if (done >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stack_->post([this] {
    for (auto& r : registrations_)
      if (r->nh) nua_handle_destroy(r->nh);
    registrations_.clear();
  });
  return done;
}

std::map<std::string, std::size_t> AgentPhones::registration_failures() {
  std::lock_guard lock(mu_);
  return failures_;
}

void AgentPhones::on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                           const sip_t* sip) {
  switch (event) {
    case nua_r_register:
    case nua_r_unregister: {
      if (!magic || magic == kAgentCall) return;
      auto* r = reinterpret_cast<Registration*>(magic);
      if (status < 200 || r->done) return;
      if ((status == 401 || status == 407) && !r->challenged) {
        r->challenged = true;
        nua_authenticate(nh, NUTAG_AUTH(r->auth.c_str()), TAG_END());
        return;
      }
      r->done = true;
      std::lock_guard lock(mu_);
      if (r->unregistering) ++unregistered_;  // any final answer: the registrar has heard it
      else if (status < 300) ++registered_;
      else ++failures_["REGISTER " + std::to_string(status) + " " + text(phrase)];
      return;
    }
    case nua_i_invite:
      if (magic == kAgentCall) {  // a re-INVITE: not expected from contactd here
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
        return;
      }
      return on_invite(nh, sip);
    case nua_i_terminated:
      if (magic == kAgentCall) {
        nua_handle_bind(nh, nullptr);
        nua_handle_destroy(nh);
      }
      return;
    case nua_i_options:
    case nua_i_register:
    case nua_i_message:
    case nua_i_subscribe:
    case nua_i_notify:
    case nua_i_refer:
    case nua_i_publish:
      if (!magic) nua_handle_destroy(nh);  // answered by the stack; the fresh handle is ours to drop
      return;
    default:
      return;
  }
}

void AgentPhones::on_invite(nua_handle_t* nh, const sip_t* sip) {
  const auto now = Clock::now();
  auto refuse = [&](int status, const char* phrase) {
    ++refused_;
    nua_respond(nh, status, phrase, TAG_END());
    nua_handle_destroy(nh);
  };
  const auto body = sdp_of(sip);
  if (!body) return refuse(SIP_488_NOT_ACCEPTABLE);
  auto parsed = media::parse_sdp(*body);
  auto* offer = std::get_if<media::SessionDescription>(&parsed);
  if (!offer) return refuse(SIP_400_BAD_REQUEST);
  auto chosen = media::choose_audio(*offer);
  auto* plan = std::get_if<media::AudioPlan>(&chosen);
  if (!plan) return refuse(SIP_488_NOT_ACCEPTABLE);
  if (plan->payload_type != 0) {  // contactd offers PCMU first; anything else would transcode the serial away
    for (const auto& m : offer->media)
      if (m.type == "audio" && std::find(m.formats.begin(), m.formats.end(), 0) != m.formats.end()) plan->payload_type = 0;
    if (plan->payload_type != 0) return refuse(SIP_488_NOT_ACCEPTABLE);
  }
  const std::uint64_t serial = sip && sip->sip_from ? serial_of(sip->sip_from->a_url->url_user) : 0;
  if (serial) tracker_.rang(serial, now);
  else ++unknown_;
  const std::string answer =
      media::write_sdp("127.0.0.1", rtp_port_, next_session_++, 1, *plan, media::mirror(plan->remote_direction), offer);
  nua_handle_bind(nh, kAgentCall);
  nua_respond(nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(answer.c_str()),
              TAG_END());
  ++invites_;
  if (serial && on_rang_) on_rang_(serial);
}

// --- Customers -------------------------------------------------------------

struct Customers::Call {
  std::uint64_t serial{0};
  nua_handle_t* nh{nullptr};
  bool final{false};     // the INVITE got its final response
  bool answered{false};  // ...and it was a 2xx
  bool ending{false};    // we sent BYE or CANCEL
};

Customers::Customers(Tracker& tracker, RtpPath*& rtp, std::uint16_t rtp_port)
    : tracker_(tracker), rtp_(rtp), rtp_port_(rtp_port) {
  sip::StackOptions options{"127.0.0.1", 0, "udp", "contactd-call-bench-customers"};
  options.allow = "INVITE, ACK, BYE, CANCEL, OPTIONS";
  options.handled = "INVITE";
  options.retry_count = 0;  // every failure (503 with Retry-After...) is seen, not retried
  stack_ = std::make_unique<sip::SipStack>(
      options, [this](nua_event_t e, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                      const sip_t* sip, tagi_t*) { on_event(e, status, phrase, nh, magic, sip); });
  stack_->post([this] { tid_ = static_cast<int>(::gettid()); });
}

Customers::~Customers() {
  stack_->post([this] {
    for (auto& [serial, call] : calls_) {
      if (call->ending) continue;
      call->ending = true;
      if (call->answered) nua_bye(call->nh, TAG_END());
      else if (!call->final) nua_cancel(call->nh, TAG_END());
    }
  });
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (live_.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stack_->post([this] {
    for (auto& [serial, call] : calls_) {
      nua_handle_bind(call->nh, nullptr);
      nua_handle_destroy(call->nh);
    }
    calls_.clear();
  });
  stack_->stop();
}

void Customers::place(std::uint64_t serial, const std::string& user, std::uint16_t port) {
  stack_->post([this, serial, user, port] {
    const std::string target = "sip:" + user + "@127.0.0.1:" + std::to_string(port);
    const std::string from = "sip:c" + std::to_string(serial) + "@127.0.0.1";
    auto call = std::make_unique<Call>();
    call->serial = serial;
    call->nh = nua_handle(stack_->nua(), reinterpret_cast<nua_hmagic_t*>(call.get()), NUTAG_URL(target.c_str()),
                          SIPTAG_TO_STR(target.c_str()), SIPTAG_FROM_STR(from.c_str()), TAG_END());
    if (!call->nh) {
      tracker_.failed(serial, "bench: no SIP handle");
      tracker_.hung_up(serial);
      return;
    }
    const std::string offer = media::write_offer("127.0.0.1", rtp_port_, serial, 1, {0});
    ++live_;
    tracker_.invited(serial, Clock::now());
    nua_invite(call->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer.c_str()), TAG_END());
    calls_[serial] = std::move(call);
  });
}

void Customers::hang_up(std::uint64_t serial) {
  stack_->post([this, serial] {
    auto it = calls_.find(serial);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    if (c.ending) return;
    if (rtp_) rtp_->stop(serial);
    if (c.answered) {
      c.ending = true;
      nua_bye(c.nh, TAG_END());
    } else if (!c.final) {
      c.ending = true;
      nua_cancel(c.nh, TAG_END());
    }
  });
}

void Customers::on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                         const sip_t* sip) {
  auto* call = reinterpret_cast<Call*>(magic);
  switch (event) {
    case nua_r_invite:
      if (call) on_response(*call, status, phrase, sip);
      return;
    case nua_i_bye:
      if (!call) return;
      ++byes_received_;
      tracker_.failed(call->serial, "the far end hung up (BYE) before the bridge was proven");
      if (rtp_) rtp_->stop(call->serial);
      call->ending = true;
      return;
    case nua_i_terminated:
      if (call) end(*call);
      return;
    case nua_i_invite:  // nobody calls the customers
      if (!magic) {
        nua_respond(nh, SIP_603_DECLINE, TAG_END());
        nua_handle_destroy(nh);
      }
      return;
    case nua_i_options:
      if (!magic) nua_handle_destroy(nh);
      return;
    default:
      return;
  }
}

void Customers::on_response(Call& call, int status, const char* phrase, const sip_t* sip) {
  if (status < 200 || call.final) return;
  call.final = true;
  if (status >= 300) {
    tracker_.failed(call.serial, "SIP " + std::to_string(status) + " " + text(phrase));
    return;  // nua_i_terminated follows
  }
  call.answered = true;
  const bool wanted = tracker_.answered(call.serial, Clock::now());
  std::uint16_t port = 0;
  if (auto body = sdp_of(sip)) {
    auto parsed = media::parse_sdp(*body);
    if (auto* answer = std::get_if<media::SessionDescription>(&parsed)) {
      auto chosen = media::choose_audio(*answer);
      if (auto* plan = std::get_if<media::AudioPlan>(&chosen); plan && plan->payload_type == 0) port = plan->remote_port;
    }
  }
  if (port == 0) tracker_.failed(call.serial, "200 OK without a usable PCMU answer");
  if (!wanted || port == 0 || call.ending) {  // timed out meanwhile, or unusable
    call.ending = true;
    nua_bye(call.nh, TAG_END());
    return;
  }
  if (rtp_) rtp_->start(call.serial, port);
}

void Customers::end(Call& call) {
  const std::uint64_t serial = call.serial;
  if (rtp_) rtp_->stop(serial);
  if (!call.final) tracker_.failed(serial, "the INVITE ended without a final response");
  tracker_.hung_up(serial);
  nua_handle_bind(call.nh, nullptr);
  nua_handle_destroy(call.nh);
  calls_.erase(serial);  // destroys `call`
  --live_;
}

}  // namespace contactd::bench::call
