#include "harness/sip_phone.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <strings.h>

#include "sip/sip_stack.h"

namespace contactd::test {
namespace {

using namespace std::chrono_literals;

std::string text(const char* s) { return s ? s : ""; }

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// The payload of a message, if its Content-Type is `type`.
std::optional<std::string> body_of(const sip_t* sip, const char* type) {
  if (!sip || !sip->sip_payload || !sip->sip_content_type || !sip->sip_content_type->c_type) return std::nullopt;
  if (::strcasecmp(sip->sip_content_type->c_type, type) != 0) return std::nullopt;
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

// A digit from an INFO body: "Signal=5\r\nDuration=160" (dtmf-relay, where
// some phones write * and # as 10 and 11) or just "5" (application/dtmf).
char info_digit(std::string body, bool relay) {
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  };
  if (relay) {
    const auto at = body.find("Signal=");
    if (at == std::string::npos) return 0;
    body = body.substr(at + 7);
    body = body.substr(0, body.find_first_of("\r\n"));
  }
  body = trim(body);
  if (body == "10") return '*';
  if (body == "11") return '#';
  return body.size() == 1 ? body[0] : 0;
}

// The audio stream of `sd` this phone can use: the first G.711 format (in
// the description's order) among `codecs`, telephone events if `te`.
std::optional<media::AudioPlan> plan_for(const media::SessionDescription& sd, const std::vector<int>& codecs, bool te) {
  for (std::size_t i = 0; i < sd.media.size(); ++i) {
    const auto& m = sd.media[i];
    if (m.type != "audio" || m.port == 0 || m.protocol != "RTP/AVP") continue;
    media::AudioPlan plan;
    plan.media_index = i;
    plan.payload_type = -1;
    for (int pt : m.formats) {
      std::string encoding = pt == 0 ? "PCMU" : pt == 8 ? "PCMA" : "";
      int rate = 8000;
      for (const auto& r : m.rtpmaps)
        if (r.payload_type == pt) {
          encoding = r.encoding;
          rate = r.clock_rate;
        }
      const int g711 = ::strcasecmp(encoding.c_str(), "PCMU") == 0 ? 0 : ::strcasecmp(encoding.c_str(), "PCMA") == 0 ? 8 : -1;
      if (plan.payload_type < 0 && rate == 8000 && g711 == pt &&
          std::find(codecs.begin(), codecs.end(), pt) != codecs.end())
        plan.payload_type = pt;
      if (te && plan.telephone_event < 0 && rate == 8000 && ::strcasecmp(encoding.c_str(), "telephone-event") == 0)
        plan.telephone_event = pt;
    }
    if (plan.payload_type < 0) continue;
    plan.remote_address = m.address;
    plan.remote_port = m.port;
    plan.remote_direction = m.direction;
    return plan;
  }
  return std::nullopt;
}

// Whether this side sends, given the peer's description.
bool peer_receives(media::Direction d) { return d == media::Direction::sendrecv || d == media::Direction::recvonly; }

}  // namespace

struct SipPhone::Impl {
  explicit Impl(SipPhoneOptions o) : options(std::move(o)), endpoint(options.tone_hz) {}

  SipPhoneOptions options;
  RtpEndpoint endpoint;  // before the stack: the stack's thread uses it until stop()
  std::unique_ptr<sip::SipStack> stack;

  // --- Registration (stack thread, as before) ---
  nua_handle_t* handle{nullptr};  // the registration, on the stack's thread
  std::string credentials;        // for NUTAG_AUTH
  bool answered_challenge{false};
  std::promise<Reply> reply;

  // --- The call (stack thread only) ---
  struct Call {
    nua_handle_t* nh{nullptr};
    bool outgoing{false};
    bool final{false};        // the initial INVITE got its final response
    bool reinviting{false};   // a re-INVITE of ours waits for its answer
    std::uint64_t session{0};
    std::uint64_t version{1};
    std::optional<media::SessionDescription> offer;  // incoming: what to answer
    std::optional<media::AudioPlan> plan;
  };
  std::optional<Call> call;
  std::set<nua_handle_t*> handles;  // INVITE handles ours to destroy, on nua_i_terminated
  std::mt19937_64 rng{std::random_device{}()};

  // --- What tests see (mu) ---
  mutable std::mutex mu;
  mutable std::condition_variable changed;
  AnswerMode mode{AnswerMode::ring};
  State state{State::idle};
  bool ended{false}, cancelled{false}, got_bye{false};
  bool incoming_call{false};  // the current/last call came in
  int incoming{0};
  Caller caller;
  int final_status{0}, provisional{0};
  std::string reason, retry_after, warning;
  std::string info_digits;
  std::string remote_sdp;
  media::Direction remote_direction{media::Direction::sendrecv};
  int reinvite_status{0};
  int info_status{0};

  template <class F>
  void update(F f) {
    {
      std::lock_guard lock(mu);
      f();
    }
    changed.notify_all();
  }
  template <class Pred>
  bool wait(Timeout timeout, Pred pred) const {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, timeout, pred);
  }

  // Runs `f` on the stack's thread and returns its result (`fallback` if the
  // stack is gone or does not answer within 5 s).
  template <class R, class F>
  R on_stack(F f, R fallback) {
    auto done = std::make_shared<std::promise<R>>();
    auto result = done->get_future();
    if (!stack->post([done, f]() mutable { done->set_value(f()); })) return fallback;
    if (result.wait_for(5s) != std::future_status::ready) return fallback;
    try {
      return result.get();
    } catch (const std::future_error&) {  // dropped while the stack stopped
      return fallback;
    }
  }

  // --- SDP ---
  std::string offer_sdp(const Call& c, media::Direction direction) const {
    const std::string port = std::to_string(endpoint.port());
    std::string s = "v=0\r\no=phone " + std::to_string(c.session) + " " + std::to_string(c.version) +
                    " IN IP4 127.0.0.1\r\ns=contactd test phone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + port +
                    " RTP/AVP";
    for (int pt : options.codecs) s += " " + std::to_string(pt);
    if (options.telephone_event) s += " 101";
    s += "\r\n";
    for (int pt : options.codecs) s += pt == 8 ? "a=rtpmap:8 PCMA/8000\r\n" : "a=rtpmap:0 PCMU/8000\r\n";
    if (options.telephone_event) s += "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    return s + "a=ptime:20\r\na=" + std::string(media::to_string(direction)) + "\r\n";
  }
  std::string answer_sdp(const Call& c) const {
    return media::write_sdp("127.0.0.1", endpoint.port(), c.session, c.version, *c.plan,
                            media::mirror(c.plan->remote_direction), &*c.offer);
  }
  void remember_sdp(const std::string& sdp, media::Direction d) {
    update([&] {
      remote_sdp = sdp;
      remote_direction = d;
    });
  }
  // Media as the peer's description says.
  void apply(const media::AudioPlan& plan) {
    if (peer_receives(plan.remote_direction))
      endpoint.start(plan.remote_address, plan.remote_port, plan.payload_type, plan.telephone_event);
    else
      endpoint.stop();
  }
  // An answer (to our offer) in a response.
  void take_answer(Call& c, const sip_t* sip) {
    const auto sdp = body_of(sip, "application/sdp");
    if (!sdp) return;
    auto parsed = media::parse_sdp(*sdp);
    auto* sd = std::get_if<media::SessionDescription>(&parsed);
    if (!sd) return;
    auto plan = plan_for(*sd, options.codecs, options.telephone_event);
    remember_sdp(*sdp, plan ? plan->remote_direction : media::Direction::inactive);
    if (!plan) return;
    c.plan = plan;
    apply(*plan);
  }

  // --- Events (stack thread) ---
  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, const sip_t* sip,
                tagi_t tags[]) {
    switch (event) {
      case nua_r_register:
      case nua_r_unregister: return on_registration(status, sip);
      case nua_i_invite: return on_invite(nh, sip);
      case nua_r_invite: return on_invite_response(nh, status, phrase, sip);
      case nua_i_cancel:
        if (call && call->nh == nh) update([&] { cancelled = true; });
        return;
      case nua_i_bye:
        if (call && call->nh == nh) update([&] { got_bye = true; });
        return;
      case nua_i_state: {
        int callstate = -1;
        tl_gets(tags, NUTAG_CALLSTATE_REF(callstate), TAG_END());
        if (callstate == nua_callstate_terminated) end_call(nh);
        return;
      }
      case nua_i_terminated:
        end_call(nh);
        if (handles.erase(nh)) nua_handle_destroy(nh);
        return;
      case nua_i_info: {
        if (auto body = body_of(sip, "application/dtmf-relay")) {
          if (char d = info_digit(*body, true)) update([&] { info_digits += d; });
        } else if (auto plain = body_of(sip, "application/dtmf")) {
          if (char d = info_digit(*plain, false)) update([&] { info_digits += d; });
        }
        return;
      }
      case nua_r_info:
        if (status >= 200) update([&] { info_status = status; });
        return;
      case nua_i_options:
        // Answered by the stack; an out-of-dialog one leaves a handle behind.
        if (nh && nh != handle && !handles.count(nh)) nua_handle_destroy(nh);
        return;
      case nua_i_register:
      case nua_i_subscribe:
      case nua_i_message:
      case nua_i_refer:
      case nua_i_notify:
      case nua_i_publish:
        if (nh && nh != handle && !handles.count(nh)) {
          nua_respond(nh, SIP_405_METHOD_NOT_ALLOWED, NUTAG_WITH_THIS(stack->nua()), TAG_END());
          nua_handle_destroy(nh);
        }
        return;
      default: return;
    }
  }

  void on_registration(int status, const sip_t* sip) {
    if ((status == 401 || status == 407) && !answered_challenge) {
      answered_challenge = true;
      nua_authenticate(handle, NUTAG_AUTH(credentials.c_str()), TAG_END());
      return;
    }
    if (status < 200) return;
    Reply r;
    r.status = status;
    if (sip && sip->sip_contact) {
      su_home_t home[1] = {SU_HOME_INIT(home)};
      r.contact = url_as_string(home, sip->sip_contact->m_url);
      su_home_deinit(home);
    }
    if (sip && sip->sip_min_expires) r.min_expires = std::to_string(sip->sip_min_expires->me_delta);
    try {
      reply.set_value(r);
    } catch (const std::future_error&) {  // a refresh nobody waits for
    }
  }

  void on_invite(nua_handle_t* nh, const sip_t* sip) {
    if (call && call->nh == nh) return on_reinvite(*call, sip);
    AnswerMode how;
    {
      std::lock_guard lock(mu);
      how = mode;
    }
    auto reject = [&](int status, const char* phrase, const char* warn = nullptr, const char* retry = nullptr) {
      nua_respond(nh, status, phrase, TAG_IF(warn, SIPTAG_WARNING_STR(warn)), TAG_IF(retry, SIPTAG_RETRY_AFTER_STR(retry)),
                  TAG_END());
      nua_handle_destroy(nh);  // a final error: nothing more comes for it
      update([&] { ended = true; });
    };
    if (call) {  // one call at a time; the current one goes on
      update([&] { ++incoming; });
      nua_respond(nh, SIP_486_BUSY_HERE, TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    endpoint.stop();
    endpoint.clear();
    update([&] {
      ++incoming;
      caller = Caller{};
      if (sip && sip->sip_from) {
        caller.user = text(sip->sip_from->a_url->url_user);
        caller.display_name = unquote(text(sip->sip_from->a_display));
      }
      if (sip && sip->sip_request) caller.request_user = text(sip->sip_request->rq_url->url_user);
      ended = cancelled = got_bye = false;
      incoming_call = true;
      info_digits.clear();
      remote_sdp.clear();
    });
    const auto sdp = body_of(sip, "application/sdp");
    if (!sdp) return reject(SIP_488_NOT_ACCEPTABLE, "399 127.0.0.1 \"an SDP offer is required\"");
    auto parsed = media::parse_sdp(*sdp);
    auto* offer = std::get_if<media::SessionDescription>(&parsed);
    if (!offer) return reject(SIP_400_BAD_REQUEST, "399 127.0.0.1 \"malformed SDP\"");
    auto plan = plan_for(*offer, options.codecs, options.telephone_event);
    remember_sdp(*sdp, plan ? plan->remote_direction : media::Direction::inactive);
    if (!plan) return reject(SIP_488_NOT_ACCEPTABLE, "305 127.0.0.1 \"Incompatible media format\"");
    if (how == AnswerMode::decline) return reject(SIP_603_DECLINE);
    if (how == AnswerMode::busy) return reject(SIP_486_BUSY_HERE);
    if (how == AnswerMode::unavailable) return reject(SIP_503_SERVICE_UNAVAILABLE, nullptr, "5");
    nua_handle_bind(nh, this);
    handles.insert(nh);
    call = Call{};
    call->nh = nh;
    call->session = rng() >> 1;
    call->offer = *offer;
    call->plan = plan;
    if (how == AnswerMode::answer) return answer_call();
    nua_respond(nh, SIP_180_RINGING, TAG_END());
    update([&] { state = State::ringing; });
  }

  // 200 with SDP to the incoming call. REQUIRES: call rings.
  void answer_call() {
    const std::string sdp = answer_sdp(*call);
    nua_respond(call->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
                TAG_END());
    call->final = true;
    apply(*call->plan);
    update([&] { state = State::active; });
  }

  void on_reinvite(Call& c, const sip_t* sip) {
    const auto sdp = body_of(sip, "application/sdp");
    ++c.version;
    if (!sdp) {  // an offer wanted from us; its answer (in the ACK) is not read
      const std::string ours = offer_sdp(c, media::Direction::sendrecv);
      nua_respond(c.nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(ours.c_str()),
                  TAG_END());
      return;
    }
    auto parsed = media::parse_sdp(*sdp);
    auto* offer = std::get_if<media::SessionDescription>(&parsed);
    std::optional<media::AudioPlan> plan;
    if (offer) plan = plan_for(*offer, options.codecs, options.telephone_event);
    if (!plan) {
      nua_respond(c.nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR("305 127.0.0.1 \"Incompatible media format\""),
                  TAG_END());
      return;
    }
    remember_sdp(*sdp, plan->remote_direction);
    c.offer = *offer;
    c.plan = plan;
    const std::string answer = answer_sdp(c);
    nua_respond(c.nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(answer.c_str()),
                TAG_END());
    apply(*plan);
  }

  void on_invite_response(nua_handle_t* nh, int status, const char* phrase, const sip_t* sip) {
    if (!call || call->nh != nh) return;
    Call& c = *call;
    if (c.reinviting) {
      if (status < 200) return;
      c.reinviting = false;
      if (status < 300) take_answer(c, sip);
      update([&] { reinvite_status = status; });
      return;
    }
    if (status < 200) {
      if (status > 100) {
        if (body_of(sip, "application/sdp")) take_answer(c, sip);  // early media
        update([&] { provisional = status; });
      }
      return;
    }
    c.final = true;
    std::string warn;
    if (sip && sip->sip_warning) {
      su_home_t home[1] = {SU_HOME_INIT(home)};
      warn = text(sip_header_as_string(home, reinterpret_cast<const sip_header_t*>(sip->sip_warning)));
      su_home_deinit(home);
    }
    const bool answered = status < 300;
    if (answered) {
      take_answer(c, sip);
    } else {  // over; the handle goes on nua_i_terminated
      call.reset();
      endpoint.stop();
    }
    // One update: whoever sees the final status sees the state that goes with it.
    update([&] {
      final_status = status;
      reason = text(phrase);
      retry_after = sip && sip->sip_retry_after ? std::to_string(sip->sip_retry_after->af_delta) : "";
      warning = warn;
      state = answered ? State::active : State::idle;
      if (!answered) ended = true;
    });
  }

  // The call on `nh` is over (idempotent); its handle is destroyed on nua_i_terminated.
  void end_call(nua_handle_t* nh) {
    if (!call || call->nh != nh) return;
    call.reset();
    endpoint.stop();
    update([&] {
      state = State::idle;
      ended = true;
    });
  }

  // Places a call (stack thread). False if there is one already.
  bool start(const std::string& url, const std::string& to, const std::string& from, const std::string& content_type,
             const std::string& body, bool offer) {
    if (call) return false;
    endpoint.stop();
    endpoint.clear();
    nua_handle_t* nh = nua_handle(stack->nua(), this, NUTAG_URL(url.c_str()), SIPTAG_TO_STR(to.c_str()),
                                  SIPTAG_FROM_STR(from.c_str()), TAG_END());
    if (!nh) return false;
    // The stack retries some failures (503 with Retry-After...); a call
    // placed by a test must see them.
    nua_set_hparams(nh, NUTAG_RETRY_COUNT(0), TAG_END());
    handles.insert(nh);
    call = Call{};
    call->nh = nh;
    call->outgoing = true;
    call->session = rng() >> 1;
    update([&] {
      state = State::calling;
      ended = cancelled = got_bye = false;
      incoming_call = false;
      final_status = provisional = 0;
      reason.clear();
      retry_after.clear();
      warning.clear();
      info_digits.clear();
      remote_sdp.clear();
    });
    const std::string payload = offer ? offer_sdp(*call, media::Direction::sendrecv) : body;
    if (payload.empty())
      nua_invite(nh, TAG_END());
    else
      nua_invite(nh, SIPTAG_CONTENT_TYPE_STR(content_type.c_str()), SIPTAG_PAYLOAD_STR(payload.c_str()), TAG_END());
    return true;
  }

  bool place(std::uint16_t port, const std::string& to_user, const std::string& from_user,
             const std::string& content_type, const std::string& body, const std::string& transport, bool offer) {
    const std::string target = "sip:" + to_user + "@127.0.0.1:" + std::to_string(port);
    const std::string url = target + ";transport=" + transport;
    const std::string from = from_user.find('<') != std::string::npos ? from_user : "sip:" + from_user + "@127.0.0.1";
    return on_stack([this, url, target, from, content_type, body, offer] {
      return start(url, target, from, content_type, body, offer);
    }, false);
  }

  // Ends the call the way its state needs (stack thread).
  void hang_up_now() {
    if (!call) return;
    if (call->outgoing && !call->final) {
      nua_cancel(call->nh, TAG_END());
    } else if (!call->outgoing && !call->final) {
      nua_respond(call->nh, SIP_603_DECLINE, TAG_END());
      call->final = true;
    } else {
      nua_bye(call->nh, TAG_END());
    }
    endpoint.stop();
  }

  int reinvite(media::Direction direction) {
    const bool sent = on_stack([this, direction] {
      if (!call || !call->final || call->reinviting || call->plan == std::nullopt) return false;
      ++call->version;
      call->reinviting = true;
      const std::string sdp = offer_sdp(*call, direction);
      update([&] { reinvite_status = 0; });
      nua_invite(call->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()), TAG_END());
      return true;
    }, false);
    if (!sent) return -1;
    int status = 0;
    wait(kWait, [&] { return (status = reinvite_status) != 0; });
    return status;
  }
};

SipPhone::SipPhone() : SipPhone(SipPhoneOptions{}) {}

SipPhone::SipPhone(SipPhoneOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  sip::StackOptions stack_options{"127.0.0.1", 0, "udp,tcp", impl->options.user_agent};
  stack_options.retry_count = 3;  // answers challenges, as phones do (calls placed: 0, see start())
  impl->stack = std::make_unique<sip::SipStack>(
      stack_options, [impl](nua_event_t event, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t*,
                            const sip_t* sip, tagi_t* tags) { impl->on_event(event, status, phrase, nh, sip, tags); });
}

SipPhone::~SipPhone() {
  Impl* impl = impl_.get();
  // Finish the call first: a stack shut down with a call in progress ends it
  // without telling us, and the peer may wait for a BYE.
  if (impl->on_stack([impl] {
        const bool had = impl->call.has_value();
        impl->hang_up_now();
        return had;
      }, false))
    impl->wait(2s, [impl] { return impl->state == State::idle; });
  // Drop the remaining handles (the registration's too: otherwise the
  // stack's shutdown unregisters it and waits out any refusal, tens of
  // seconds).
  impl->stack->post([impl] {
    for (nua_handle_t* nh : impl->handles) nua_handle_destroy(nh);
    impl->handles.clear();
    impl->call.reset();
    if (impl->handle) nua_handle_destroy(impl->handle);
    impl->handle = nullptr;
  });
  impl->stack->stop();
}

std::uint16_t SipPhone::sip_port() const { return impl_->stack->port(); }

SipPhone::Reply SipPhone::register_as(std::uint16_t port, const std::string& login, const std::string& password,
                                      int expires, const std::string& transport) {
  impl_->reply = std::promise<Reply>();
  impl_->answered_challenge = false;
  impl_->credentials = "Digest:\"contactd\":" + login + ":" + password;
  const std::string aor = "sip:" + login + "@127.0.0.1";
  const std::string registrar = "sip:127.0.0.1:" + std::to_string(port) + ";transport=" + transport;
  const std::string seconds = std::to_string(expires);
  Impl* impl = impl_.get();
  auto result = impl->reply.get_future();
  impl->stack->post([impl, aor, registrar, seconds] {
    if (!impl->handle)
      impl->handle = nua_handle(impl->stack->nua(), nullptr, SIPTAG_TO_STR(aor.c_str()), SIPTAG_FROM_STR(aor.c_str()),
                                TAG_END());
    nua_register(impl->handle, NUTAG_REGISTRAR(registrar.c_str()), SIPTAG_EXPIRES_STR(seconds.c_str()),
                 NUTAG_OUTBOUND("no-options-keepalive, no-validate"), TAG_END());
  });
  if (result.wait_for(5s) != std::future_status::ready) return Reply{};
  return result.get();
}

SipPhone::Reply SipPhone::unregister() {
  impl_->reply = std::promise<Reply>();
  impl_->answered_challenge = false;
  Impl* impl = impl_.get();
  auto result = impl->reply.get_future();
  impl->stack->post([impl] { nua_unregister(impl->handle, TAG_END()); });
  if (result.wait_for(5s) != std::future_status::ready) return Reply{};
  return result.get();
}

void SipPhone::set_answer_mode(AnswerMode mode) {
  std::lock_guard lock(impl_->mu);
  impl_->mode = mode;
}

bool SipPhone::wait_incoming(Timeout timeout) const {
  return impl_->wait(timeout, [this] {
    return impl_->state == State::ringing || (impl_->state == State::active && impl_->incoming_call);
  });
}

int SipPhone::incoming_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->incoming;
}

SipPhone::Caller SipPhone::incoming_from() const {
  std::lock_guard lock(impl_->mu);
  return impl_->caller;
}

bool SipPhone::answer() {
  Impl* impl = impl_.get();
  return impl->on_stack([impl] {
    if (!impl->call || impl->call->outgoing || impl->call->final) return false;
    impl->answer_call();
    return true;
  }, false);
}

bool SipPhone::decline() {
  Impl* impl = impl_.get();
  return impl->on_stack([impl] {
    if (!impl->call || impl->call->outgoing || impl->call->final) return false;
    impl->hang_up_now();  // 603
    return true;
  }, false);
}

bool SipPhone::wait_cancelled(Timeout timeout) const {
  return impl_->wait(timeout, [this] { return impl_->cancelled; });
}

std::string SipPhone::info_digits() const {
  std::lock_guard lock(impl_->mu);
  return impl_->info_digits;
}

bool SipPhone::wait_info_digits(const std::string& expected, Timeout timeout) const {
  return impl_->wait(timeout, [&] { return impl_->info_digits == expected; });
}

int SipPhone::call(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                   const std::string& transport) {
  if (!start_call(port, to_user, from_user, transport)) return 0;
  return wait_final();
}

int SipPhone::call_with_sdp(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                            const std::string& raw_sdp, const std::string& transport) {
  return call_with_body(port, to_user, from_user, "application/sdp", raw_sdp, transport);
}

int SipPhone::call_with_body(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                             const std::string& content_type, const std::string& body, const std::string& transport) {
  if (!start_call_with_body(port, to_user, from_user, content_type, body, transport)) return 0;
  return wait_final();
}

bool SipPhone::start_call(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                          const std::string& transport) {
  return impl_->place(port, to_user, from_user, "application/sdp", "", transport, true);
}

bool SipPhone::start_call_with_body(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                                    const std::string& content_type, const std::string& body,
                                    const std::string& transport) {
  return impl_->place(port, to_user, from_user, content_type, body, transport, false);
}

int SipPhone::wait_final(Timeout timeout) const {
  int status = 0;
  impl_->wait(timeout, [&] { return (status = impl_->final_status) != 0; });
  return status;
}

int SipPhone::last_provisional() const {
  std::lock_guard lock(impl_->mu);
  return impl_->provisional;
}

bool SipPhone::wait_ringing(Timeout timeout) const {
  return impl_->wait(timeout, [this] { return impl_->provisional == 180 || impl_->provisional == 183; });
}

std::string SipPhone::last_reason() const {
  std::lock_guard lock(impl_->mu);
  return impl_->reason;
}

std::string SipPhone::last_retry_after() const {
  std::lock_guard lock(impl_->mu);
  return impl_->retry_after;
}

std::string SipPhone::last_warning() const {
  std::lock_guard lock(impl_->mu);
  return impl_->warning;
}

SipPhone::State SipPhone::state() const {
  std::lock_guard lock(impl_->mu);
  return impl_->state;
}

bool SipPhone::hang_up() {
  Impl* impl = impl_.get();
  impl->on_stack([impl] {
    impl->hang_up_now();
    return true;
  }, false);
  return impl->wait(kWait, [impl] { return impl->state == State::idle; });
}

bool SipPhone::wait_ended(Timeout timeout) const {
  return impl_->wait(timeout, [this] { return impl_->ended; });
}

bool SipPhone::bye_received() const {
  std::lock_guard lock(impl_->mu);
  return impl_->got_bye;
}

int SipPhone::hold() { return impl_->reinvite(media::Direction::sendonly); }

int SipPhone::resume() { return impl_->reinvite(media::Direction::sendrecv); }

bool SipPhone::send_info_digits(const std::string& digits) {
  Impl* impl = impl_.get();
  for (char d : digits) {
    const std::string body = std::string("Signal=") + d + "\r\nDuration=160\r\n";
    const bool sent = impl->on_stack([impl, body] {
      if (!impl->call || !impl->call->final) return false;
      impl->update([&] { impl->info_status = 0; });
      nua_info(impl->call->nh, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"), SIPTAG_PAYLOAD_STR(body.c_str()),
               TAG_END());
      return true;
    }, false);
    if (!sent) return false;
    int status = 0;
    impl->wait(kWait, [&] { return (status = impl->info_status) != 0; });
    if (status != 200) return false;
  }
  return true;
}

std::string SipPhone::remote_sdp() const {
  std::lock_guard lock(impl_->mu);
  return impl_->remote_sdp;
}

media::Direction SipPhone::remote_direction() const {
  std::lock_guard lock(impl_->mu);
  return impl_->remote_direction;
}

RtpEndpoint& SipPhone::media() { return impl_->endpoint; }

}  // namespace contactd::test
