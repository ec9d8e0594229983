// Calls end to end (issue 5): a real contactd, real SIP user agents on
// loopback playing the caller and the agents' desk phones, each sending its
// own tone and checking with Goertzel what it hears through contactd's relay.
#include <thread>

#include "harness/sip_phone.h"
#include "world.h"

using namespace contactd;
using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

constexpr double kAnaTone = 600, kBobTone = 700, kCallerTone = 1000;

std::uint64_t user_id(const v1::Snapshot& s, const std::string& login) {
  const v1::UserState* u = overseen(s, login);
  REQUIRE(u);
  return u->id();
}

struct CallOptions {
  v1::Strategy strategy{v1::STRATEGY_LONGEST_IDLE};
  bool outbound{false};  // ana may place calls in Sales
  std::uint32_t ring_timeout_ms{3000};
  std::uint32_t missed_calls_limit{3};
  std::uint32_t wrap_up_ms{0};
  std::uint32_t transfer_timeout_ms{30000};
  DaemonOptions daemon;
};

// Sales takes calls on 5000. ana and bob are logged in with their desk
// phones registered (ana first: she has been idle longest).
struct CallCenter {
  explicit CallCenter(CallOptions o = {})
      : w(o.daemon), admin(w.port()), ana_api(w.port()), bob_api(w.port()), ana_phone(SipPhoneOptions{kAnaTone}),
        bob_phone(SipPhoneOptions{kBobTone}) {
    snapshot = must_login(admin, "alice", "alice-pass").snapshot();
    sales = campaign_id("Sales");
    ana = user_id(snapshot, "ana");
    bob = user_id(snapshot, "bob");
    v1::Command c = webchat_settings(sales, o.strategy, {{v1::CHANNEL_PHONE, v1::PROVIDER_SIP_TRUNK}});
    auto* s = c.mutable_update_campaign()->mutable_settings();
    s->set_phone_number("5000");
    s->set_ring_timeout_ms(o.ring_timeout_ms);
    s->set_missed_calls_limit(o.missed_calls_limit);
    s->set_wrap_up_ms(o.wrap_up_ms);
    s->set_transfer_timeout_ms(o.transfer_timeout_ms);
    require_ack(admin.request(c));
    for (auto [id, password] : {std::pair{ana, "ana-sip-pass"}, std::pair{bob, "bob-sip-pass"}}) {
      v1::Command p;
      p.mutable_update_user()->set_user_id(id);
      p.mutable_update_user()->set_sip_password(password);
      require_ack(admin.request(p));
    }
    if (o.outbound) {
      v1::Command m;
      m.mutable_set_membership()->set_user_id(ana);
      m.mutable_set_membership()->set_campaign_id(sales);
      m.mutable_set_membership()->set_member(true);
      m.mutable_set_membership()->add_outbound(v1::CHANNEL_PHONE);
      require_ack(admin.request(m));
    }
    must_login(ana_api, "ana", "ana-pass");
    REQUIRE(ana_phone.register_as(w.daemon.sip_port(), "ana", "ana-sip-pass").status == 200);
    next_of(ana_api, v1::Event::kPhoneRegistered);
    must_login(bob_api, "bob", "bob-pass");
    REQUIRE(bob_phone.register_as(w.daemon.sip_port(), "bob", "bob-sip-pass").status == 200);
    next_of(bob_api, v1::Event::kPhoneRegistered);
  }

  std::uint64_t campaign_id(const std::string& name) {
    for (const auto& c : snapshot.campaigns())
      if (c.name() == name) return c.id();
    FAIL("no campaign " << name);
    return 0;
  }
  // `caller` dials Sales; contactd answers at once (the caller waits with music).
  void dial(SipPhone& caller, const std::string& number = "5551234") {
    REQUIRE(caller.call(w.daemon.sip_port(), "5000", number) == 200);
  }
  // The call offered to `api`'s agent (members see every offer of the
  // campaign: skip those to others), once their phone rings.
  std::uint64_t offered(Client& api, SipPhone& phone) {
    const std::uint64_t me = &api == &ana_api ? ana : bob;
    for (int n = 0; n < 10; ++n) {
      auto e = next_of(api, v1::Event::kCallOffered).call_offered();
      if (std::find(e.agent_ids().begin(), e.agent_ids().end(), me) == e.agent_ids().end()) continue;
      REQUIRE(phone.wait_incoming());
      return e.interaction_id();
    }
    FAIL("no call offered to " << me);
    return 0;
  }
  v1::Envelope act(Client& api, v1::Command c) { return api.request(c); }
  // `caller` dials, ana's phone rings (she is first in line) and she answers.
  std::uint64_t answered_by_ana(SipPhone& caller) {
    dial(caller);
    const auto id = offered(ana_api, ana_phone);
    REQUIRE(ana_phone.answer());
    REQUIRE(caller.media().wait_hears(kAnaTone));
    return id;
  }

  World w;
  Client admin, ana_api, bob_api;
  SipPhone ana_phone, bob_phone;
  v1::Snapshot snapshot;
  std::uint64_t sales{}, ana{}, bob{};
};

v1::Command hold(std::uint64_t id, bool held) {
  v1::Command c;
  c.mutable_hold_call()->set_interaction_id(id);
  c.mutable_hold_call()->set_held(held);
  return c;
}
v1::Command mute(std::uint64_t id, bool muted) {
  v1::Command c;
  c.mutable_mute_call()->set_interaction_id(id);
  c.mutable_mute_call()->set_muted(muted);
  return c;
}
v1::Command digits(std::uint64_t id, const std::string& d) {
  v1::Command c;
  c.mutable_send_digits()->set_interaction_id(id);
  c.mutable_send_digits()->set_digits(d);
  return c;
}
v1::Command hang_up(std::uint64_t id) {
  v1::Command c;
  c.mutable_hang_up()->set_interaction_id(id);
  return c;
}

}  // namespace

TEST_CASE("R-IN-1 R-IN-3 a caller hears queue music, the chosen agent's phone rings and answering bridges two-way "
          "audio through contactd") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  d.dial(caller, "5551234");
  CHECK(caller.media().wait_hears_music());  // queue music while the phone rings
  const auto id = d.offered(d.ana_api, d.ana_phone);
  CHECK(d.ana_phone.incoming_from().user == "5551234");  // the caller's number on the agent's phone
  CHECK(d.bob_phone.incoming_count() == 0);
  CHECK(d.w.db.query("SELECT state || ' ' || channel || ' ' || customer FROM interactions WHERE id = " +
                     std::to_string(id)) == "pending phone 5551234");

  REQUIRE(d.ana_phone.answer());
  auto assigned = next_of(d.ana_api, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.interaction_id() == id);
  CHECK(assigned.agent_id() == d.ana);
  CHECK(caller.media().wait_hears(kAnaTone));        // the caller hears the agent, not music any more
  CHECK(d.ana_phone.media().wait_hears(kCallerTone));  // and the agent the caller
  std::this_thread::sleep_for(1s);  // a whole window since the bridge
  CHECK(caller.media().hears_music() < 0.1);
  CHECK(d.w.db.query("SELECT state || ' ' || owner_id FROM interactions WHERE id = " + std::to_string(id)) ==
        "active " + std::to_string(d.ana));
}

TEST_CASE("R-FIN-1 R-WRAP-1 the caller hanging up finishes the call, wrap-up starts, and no call rings the agent "
          "until it ends") {
  CallOptions o;
  o.wrap_up_ms = 3000;
  CallCenter d(o);
  REQUIRE(d.bob_api.set_status(status_id(d.snapshot, "Lunch")).has_response());  // only ana takes calls
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  REQUIRE(caller.hang_up());
  CHECK(d.ana_phone.wait_ended());  // contactd hung up her leg
  CHECK(d.ana_phone.bye_received());
  auto finished = next_of(d.ana_api, v1::Event::kInteractionFinished).interaction_finished();
  CHECK(finished.interaction_id() == id);
  auto wrap = next_of(d.ana_api, v1::Event::kWrapUpStarted).wrap_up_started();
  CHECK(wrap.interaction_id() == id);
  CHECK(d.w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(id)) == "finished");

  // R-WRAP-1: a call during wrap-up waits; at the deadline ana's phone rings.
  SipPhone second(SipPhoneOptions{kCallerTone});
  d.dial(second, "5559876");
  const int rang = d.ana_phone.incoming_count();
  std::this_thread::sleep_for(1s);
  CHECK(d.ana_phone.incoming_count() == rang);
  next_of(d.ana_api, v1::Event::kWrapUpEnded, 5s);
  next_of(d.ana_api, v1::Event::kCallOffered);
  CHECK(d.ana_phone.wait_incoming());
  CHECK(d.ana_phone.incoming_from().user == "5559876");
}

TEST_CASE("R-PH-1 R-PH-2 R-PH-3 R-PH-6 hold plays music to the caller, mute silences the agent, keys travel both "
          "ways, and hang_up ends the call") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);

  // R-PH-2: on hold the caller hears the music and not the agent; the agent
  // does not hear the caller either.
  require_ack(d.act(d.ana_api, hold(id, true)));
  CHECK(next_of(d.ana_api, v1::Event::kCallHeld).call_held().held());
  CHECK(caller.media().wait_hears_music());
  std::this_thread::sleep_for(1s);  // a whole window since hold began
  CHECK(caller.media().hears(kAnaTone) < 0.1);
  CHECK(d.ana_phone.media().wait_silence());
  CHECK(error_of(d.act(d.ana_api, hold(id, true))) == v1::FAILED_PRECONDITION);  // already on hold
  require_ack(d.act(d.ana_api, hold(id, false)));
  CHECK(caller.media().wait_hears(kAnaTone));
  CHECK(d.ana_phone.media().wait_hears(kCallerTone));

  // R-PH-1: muted, the caller no longer hears the agent; the call stays up
  // and the agent still hears the caller.
  require_ack(d.act(d.ana_api, mute(id, true)));
  CHECK(caller.media().wait_silence());
  CHECK(d.ana_phone.media().hears(kCallerTone) > 0.8);
  require_ack(d.act(d.ana_api, mute(id, false)));
  CHECK(caller.media().wait_hears(kAnaTone));

  // R-PH-3: the agent's digits reach the caller as RFC 4733 events; keys the
  // caller presses reach the agent's phone.
  require_ack(d.act(d.ana_api, digits(id, "12*#")));
  CHECK(next_of(d.ana_api, v1::Event::kDigitsSent).digits_sent().count() == 4);
  CHECK(caller.media().wait_digits("12*#"));
  REQUIRE(caller.media().send_digits("59"));
  CHECK(d.ana_phone.media().wait_digits("59"));
  CHECK(error_of(d.act(d.ana_api, digits(id, "12x"))) == v1::INVALID_ARGUMENT);
  CHECK(error_of(d.act(d.bob_api, hold(id, true))) == v1::PERMISSION_DENIED);  // not bob's call
  CHECK(error_of(d.act(d.ana_api, hold(999999, true))) == v1::NOT_FOUND);

  // R-PH-6: hang_up ends both legs; the interaction finishes, by ana.
  require_ack(d.act(d.ana_api, hang_up(id)));
  CHECK(caller.wait_ended());
  CHECK(caller.bye_received());
  CHECK(d.ana_phone.wait_ended());
  auto finished = next_of(d.ana_api, v1::Event::kInteractionFinished).interaction_finished();
  CHECK(finished.by() == d.ana);
  CHECK(error_of(d.act(d.ana_api, mute(id, true))) == v1::FAILED_PRECONDITION);  // over
}

TEST_CASE("R-PH-3 a caller without RFC 4733 gets the agent's digits as SIP INFO") {
  CallCenter d;
  SipPhoneOptions no_events{kCallerTone};
  no_events.telephone_event = false;
  SipPhone caller(no_events);
  const auto id = d.answered_by_ana(caller);
  require_ack(d.act(d.ana_api, digits(id, "42#")));
  CHECK(caller.wait_info_digits("42#"));
  CHECK(caller.media().digits().empty());
}

TEST_CASE("R-IN-3 an unanswered phone is cancelled at the ring timeout, the call rings the next agent, and the agent "
          "who let it ring out gets No answer") {
  CallOptions o;
  o.ring_timeout_ms = 2000;
  o.missed_calls_limit = 1;
  CallCenter d(o);
  SipPhone caller(SipPhoneOptions{kCallerTone});
  d.dial(caller);
  const auto id = d.offered(d.ana_api, d.ana_phone);  // ana never answers
  CHECK(d.ana_phone.wait_cancelled(4s));
  auto missed = next_of(d.ana_api, v1::Event::kCallMissed).call_missed();
  CHECK(missed.interaction_id() == id);
  auto status = next_of(d.ana_api, v1::Event::kAgentStatusChanged).agent_status_changed();
  CHECK(status.user_id() == d.ana);
  CHECK(d.offered(d.bob_api, d.bob_phone) == id);
  REQUIRE(d.bob_phone.answer());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(d.bob_phone.media().wait_hears(kCallerTone));
  const auto s = d.ana_api.snapshot().response().snapshot();
  bool no_answer = false;
  for (const auto& st : s.statuses())
    if (st.id() == s.me().status_id()) no_answer = st.name() == "No answer";
  CHECK(no_answer);
}

TEST_CASE("R-IN-3 a declined call moves on to the next agent at once") {
  CallCenter d;
  d.ana_phone.set_answer_mode(AnswerMode::decline);
  SipPhone caller(SipPhoneOptions{kCallerTone});
  d.dial(caller);
  next_of(d.ana_api, v1::Event::kCallMissed);
  const auto id = d.offered(d.bob_api, d.bob_phone);
  REQUIRE(d.bob_phone.answer());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(next_of(d.bob_api, v1::Event::kInteractionAssigned).interaction_assigned().interaction_id() == id);
}

TEST_CASE("R-IN-3 ring-all rings every agent's phone, the first to answer gets the call and the others stop ringing") {
  CallOptions o;
  o.strategy = v1::STRATEGY_RING_ALL;
  CallCenter d(o);
  SipPhone caller(SipPhoneOptions{kCallerTone});
  d.dial(caller);
  const auto id = d.offered(d.ana_api, d.ana_phone);
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.bob_phone.answer());
  CHECK(d.ana_phone.wait_cancelled());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(d.bob_phone.media().wait_hears(kCallerTone));
  auto assigned = next_of(d.bob_api, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.interaction_id() == id);
  CHECK(assigned.agent_id() == d.bob);
  CHECK(assigned.candidates() == 2);
}

TEST_CASE("a caller hanging up while the phone rings abandons the call and the ringing stops") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  d.dial(caller);
  const auto id = d.offered(d.ana_api, d.ana_phone);
  REQUIRE(caller.hang_up());
  CHECK(d.ana_phone.wait_cancelled());
  auto abandoned = next_of(d.ana_api, v1::Event::kCallAbandoned).call_abandoned();
  CHECK(abandoned.interaction_id() == id);
  CHECK(d.w.db.query("SELECT state || ' ' || outcome FROM interactions WHERE id = " + std::to_string(id)) ==
        "closed abandoned");
  // She is free for the next call.
  SipPhone next(SipPhoneOptions{kCallerTone});
  d.dial(next);
  CHECK(d.offered(d.ana_api, d.ana_phone) != id);
}

TEST_CASE("bad calls get SIP answers: unknown number 404, no common codec 488, malformed SDP 400, no SDP 488, too "
          "many callers 503 with Retry-After") {
  CallOptions o;
  o.daemon.max_calls = 1;
  CallCenter d(o);
  const auto port = d.w.daemon.sip_port();
  const auto sockets = d.w.daemon.udp_sockets();  // SIP's, before any call
  SipPhone p;
  CHECK(p.call(port, "4040", "5551111") == 404);
  const std::string g729 =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\n"
      "a=rtpmap:18 G729/8000\r\n";
  CHECK(p.call_with_sdp(port, "5000", "5551111", g729) == 488);
  CHECK(p.last_warning().find("no common codec") != std::string::npos);
  CHECK(p.call_with_sdp(port, "5000", "5551111", "v=0\r\nthis is not SDP\r\n") == 400);
  CHECK(p.call_with_body(port, "5000", "5551111", "", "") == 488);
  // One caller at a time: the second gets 503 with Retry-After.
  SipPhone first(SipPhoneOptions{kCallerTone});
  d.dial(first);
  SipPhone second;
  CHECK(second.call(port, "5000", "5552222") == 503);
  CHECK(second.last_retry_after() == "5");
  // None of them became an interaction but the one let in.
  CHECK(d.w.db.query("SELECT count(*) FROM interactions WHERE channel = 'phone'") == "1");
  // The daemon is unharmed: the caller let in is answered by an agent.
  d.offered(d.ana_api, d.ana_phone);
  REQUIRE(d.ana_phone.answer());
  CHECK(first.media().wait_hears(kAnaTone));
  CHECK(d.w.daemon.udp_sockets() == sockets + 2);  // one RTP port per leg
  // Once it ends, no call and no RTP port is left behind.
  REQUIRE(first.hang_up());
  REQUIRE(d.ana_phone.wait_ended());
  for (int k = 0; k < 20 && d.w.daemon.udp_sockets() != sockets; ++k) std::this_thread::sleep_for(100ms);
  CHECK(d.w.daemon.udp_sockets() == sockets);
  SipPhone again(SipPhoneOptions{kCallerTone});
  d.dial(again);  // max_calls = 1: the slot is free again
}

namespace {

v1::Command place_call(std::uint64_t campaign, const std::string& number) {
  v1::Command c;
  c.mutable_start_interaction()->set_campaign_id(campaign);
  c.mutable_start_interaction()->set_channel(v1::CHANNEL_PHONE);
  c.mutable_start_interaction()->set_address(number);
  return c;
}

// A carrier's side of the outbound trunk: a SIP phone that answers as the
// called customer would.
struct Trunk {
  SipPhone phone{SipPhoneOptions{kCallerTone}};
  CallOptions options() {
    CallOptions o;
    o.outbound = true;
    o.daemon.sip_trunk = "127.0.0.1:" + std::to_string(phone.sip_port());
    return o;
  }
};

}  // namespace

TEST_CASE("R-OUT-2 an outbound call rings the agent's phone, then the customer through the trunk, and bridges them") {
  Trunk trunk;
  CallCenter d(trunk.options());
  trunk.phone.set_answer_mode(AnswerMode::ring);
  const auto id = created_id(d.ana_api.request(place_call(d.sales, "+55 (11) 5555-0100")));
  CHECK(d.w.db.query("SELECT state || ' ' || direction || ' ' || customer FROM interactions WHERE id = " +
                     std::to_string(id)) == "active outbound 551155550100");
  REQUIRE(d.ana_phone.wait_incoming());
  CHECK(d.ana_phone.incoming_from().user == "551155550100");  // her phone shows whom she is calling
  CHECK(trunk.phone.incoming_count() == 0);                  // the customer is called once she answers
  REQUIRE(d.ana_phone.answer());
  REQUIRE(trunk.phone.wait_incoming());
  CHECK(trunk.phone.incoming_from().request_user == "551155550100");
  REQUIRE(trunk.phone.answer());
  CHECK(trunk.phone.media().wait_hears(kAnaTone));
  CHECK(d.ana_phone.media().wait_hears(kCallerTone));
  REQUIRE(trunk.phone.hang_up());
  CHECK(d.ana_phone.wait_ended());
  auto finished = next_of(d.ana_api, v1::Event::kInteractionFinished).interaction_finished();
  CHECK(finished.interaction_id() == id);
  CHECK(d.w.db.query("SELECT state || ' ' || coalesce(outcome, '-') FROM interactions WHERE id = " +
                     std::to_string(id)) == "finished -");
  // R-OUT-2: what is not a number is refused before anything rings.
  CHECK(error_of(d.ana_api.request(place_call(d.sales, "12-34"))) == v1::INVALID_ARGUMENT);
  CHECK(error_of(d.bob_api.request(place_call(d.sales, "5555-0100"))) == v1::PERMISSION_DENIED);  // no permission
}

TEST_CASE("R-OUT-2 an outbound call that fails ends the interaction with the reason: busy, no answer, rejected, the "
          "agent's phone not answering") {
  Trunk trunk;
  CallCenter d(trunk.options());
  const auto fails_with = [&](AnswerMode customer, AnswerMode agent) {
    trunk.phone.set_answer_mode(customer);
    d.ana_phone.set_answer_mode(agent);
    const auto id = created_id(d.ana_api.request(place_call(d.sales, "5555-0100")));
    // One event for the outcome: interaction_finished with the reason (no call_failed).
    auto finished = next_of(d.ana_api, v1::Event::kInteractionFinished, 6s).interaction_finished();
    CHECK(finished.interaction_id() == id);
    CHECK(finished.reason() != v1::CALL_END_REASON_UNSPECIFIED);
    CHECK(d.ana_phone.wait_ended());
    return d.w.db.query("SELECT outcome FROM interactions WHERE id = " + std::to_string(id));
  };
  CHECK(fails_with(AnswerMode::busy, AnswerMode::answer) == "busy");
  CHECK(fails_with(AnswerMode::ring, AnswerMode::answer) == "no_answer");  // 3 s outbound answer timeout
  CHECK(trunk.phone.wait_cancelled());
  CHECK(fails_with(AnswerMode::decline, AnswerMode::answer) == "rejected");
  CHECK(fails_with(AnswerMode::answer, AnswerMode::decline) == "agent_no_answer");
}

namespace {

v1::Command transfer(std::uint64_t id, std::uint64_t to_agent, bool attended = false) {
  v1::Command c;
  c.mutable_transfer()->set_interaction_id(id);
  c.mutable_transfer()->set_to_agent(to_agent);
  c.mutable_transfer()->set_attended(attended);
  return c;
}

// The next assignment of a call to `agent` (members see everyone's).
v1::InteractionAssigned assigned_to(Client& api, std::uint64_t agent) {
  for (int n = 0; n < 10; ++n) {
    auto a = next_of(api, v1::Event::kInteractionAssigned).interaction_assigned();
    if (a.agent_id() == agent) return a;
  }
  FAIL("no assignment to " << agent);
  return {};
}


}  // namespace

TEST_CASE("R-TR-2 a blind call transfer: the caller hears music while the target's phone rings, then talks to the "
          "target, and the owner's phone is released") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  require_ack(d.ana_api.request(transfer(id, d.bob)));
  CHECK(caller.media().wait_hears_music());
  REQUIRE(d.bob_phone.wait_incoming());
  CHECK(d.bob_phone.incoming_from().user == "5551234");  // the caller's number on the target's phone
  REQUIRE(d.bob_phone.answer());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(d.bob_phone.media().wait_hears(kCallerTone));
  CHECK(d.ana_phone.wait_ended());
  auto assigned = assigned_to(d.bob_api, d.bob);
  CHECK(assigned.interaction_id() == id);
  CHECK(assigned.how() == v1::ASSIGN_HOW_TRANSFER);
  CHECK(d.w.db.query("SELECT owner_id FROM interactions WHERE id = " + std::to_string(id)) == std::to_string(d.bob));
}

TEST_CASE("R-TR-2 an attended transfer: the owner talks to the target while the caller hears music, other transfer "
          "actions are refused, then completing connects the caller and the target") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  require_ack(d.ana_api.request(transfer(id, d.bob, true)));
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.bob_phone.answer());
  next_of(d.ana_api, v1::Event::kConsultationStarted);
  CHECK(d.ana_phone.media().wait_hears(kBobTone));  // ana and bob talk
  CHECK(d.bob_phone.media().wait_hears(kAnaTone));
  CHECK(caller.media().wait_hears_music());           // the caller waits with music
  std::this_thread::sleep_for(1s);
  CHECK(caller.media().hears(kAnaTone) < 0.1);
  CHECK(caller.media().hears(kBobTone) < 0.1);
  CHECK(d.bob_phone.media().hears(kCallerTone) < 0.1);
  // The consultation lock: nothing else until complete or cancel.
  CHECK(error_of(d.ana_api.request(transfer(id, d.bob))) == v1::FAILED_PRECONDITION);
  CHECK(error_of(d.ana_api.request(hold(id, true))) == v1::FAILED_PRECONDITION);
  CHECK(error_of(d.ana_api.request(hang_up(id))) == v1::FAILED_PRECONDITION);
  v1::Command complete;
  complete.mutable_complete_transfer()->set_interaction_id(id);
  require_ack(d.ana_api.request(complete));
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(d.bob_phone.media().wait_hears(kCallerTone));
  CHECK(d.ana_phone.wait_ended());
  CHECK(assigned_to(d.bob_api, d.bob).interaction_id() == id);
}

TEST_CASE("R-TR-2 cancelling an attended transfer puts the owner back with the caller") {
  CallCenter d;
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  require_ack(d.ana_api.request(transfer(id, d.bob, true)));
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.bob_phone.answer());
  REQUIRE(d.ana_phone.media().wait_hears(kBobTone));
  v1::Command cancel;
  cancel.mutable_cancel_transfer()->set_interaction_id(id);
  require_ack(d.ana_api.request(cancel));
  CHECK(d.bob_phone.wait_ended());
  CHECK(caller.media().wait_hears(kAnaTone));
  CHECK(d.ana_phone.media().wait_hears(kCallerTone));
  CHECK(next_of(d.ana_api, v1::Event::kTransferCancelled).transfer_cancelled().by() == d.ana);
}

TEST_CASE("R-TR-4 a call transfer nobody answers returns to the owner at the campaign's transfer timeout") {
  CallOptions o;
  o.transfer_timeout_ms = 5000;
  CallCenter d(o);
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  require_ack(d.ana_api.request(transfer(id, d.bob)));
  REQUIRE(d.bob_phone.wait_incoming());  // bob lets it ring
  CHECK(caller.media().wait_hears_music());
  auto back = next_of(d.ana_api, v1::Event::kTransferTimedOut, 8s).transfer_timed_out();
  CHECK(back.returned_to() == d.ana);
  CHECK(d.bob_phone.wait_cancelled());
  CHECK(caller.media().wait_hears(kAnaTone));
  CHECK(d.ana_phone.media().wait_hears(kCallerTone));
  CHECK(d.w.db.query("SELECT owner_id FROM interactions WHERE id = " + std::to_string(id)) == std::to_string(d.ana));
}

TEST_CASE("R-TR-2 a call transferred to an external number goes out through the trunk and the interaction finishes") {
  Trunk trunk;
  CallCenter d(trunk.options());
  trunk.phone.set_answer_mode(AnswerMode::answer);
  SipPhone caller(SipPhoneOptions{1200});
  const auto id = d.answered_by_ana(caller);
  v1::Command c;
  c.mutable_transfer()->set_interaction_id(id);
  c.mutable_transfer()->set_to_number("+1 555 010 9999");
  require_ack(d.ana_api.request(c));
  REQUIRE(trunk.phone.wait_incoming());
  CHECK(trunk.phone.incoming_from().request_user == "15550109999");
  CHECK(caller.media().wait_hears(kCallerTone));  // the far end's tone
  CHECK(trunk.phone.media().wait_hears(1200));    // and it hears the caller
  CHECK(d.ana_phone.wait_ended());
  CHECK(next_of(d.ana_api, v1::Event::kInteractionFinished).interaction_finished().interaction_id() == id);
  REQUIRE(trunk.phone.hang_up());
  CHECK(caller.wait_ended());
}

TEST_CASE("R-TR-2 a call sent to a campaign waits in its queue with music, rings its agents, and the one who answers "
          "talks to the caller") {
  CallCenter d;
  const auto finance = d.campaign_id("Finance");  // bob's other campaign
  require_ack(d.admin.request(
      webchat_settings(finance, v1::STRATEGY_LONGEST_IDLE, {{v1::CHANNEL_PHONE, v1::PROVIDER_SIP_TRUNK}})));
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  v1::Command c;
  c.mutable_transfer()->set_interaction_id(id);
  c.mutable_transfer()->set_to_campaign(finance);
  require_ack(d.ana_api.request(c));
  CHECK(d.ana_phone.wait_ended());  // the owner's phone is released at once
  CHECK(caller.media().wait_hears_music());
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.bob_phone.answer());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(d.bob_phone.media().wait_hears(kCallerTone));
  auto assigned = assigned_to(d.bob_api, d.bob);
  CHECK(assigned.interaction_id() == id);
  CHECK(assigned.campaign_id() == finance);
}

TEST_CASE("R-TR-2 the owner may hang up during a blind transfer: the caller still reaches the target, and a "
          "transfer nobody answers then ends the call") {
  CallOptions o;
  o.transfer_timeout_ms = 5000;
  CallCenter d(o);
  SipPhone caller(SipPhoneOptions{kCallerTone});
  const auto id = d.answered_by_ana(caller);
  require_ack(d.ana_api.request(transfer(id, d.bob)));
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.ana_phone.hang_up());
  CHECK(caller.media().wait_hears_music());  // still waiting for bob
  REQUIRE(d.bob_phone.answer());
  CHECK(caller.media().wait_hears(kBobTone));
  CHECK(assigned_to(d.bob_api, d.bob).interaction_id() == id);
  REQUIRE(caller.hang_up());

  SipPhone second(SipPhoneOptions{kCallerTone});
  const auto other = d.answered_by_ana(second);
  d.bob_phone.set_answer_mode(AnswerMode::ring);
  require_ack(d.ana_api.request(transfer(other, d.bob)));
  REQUIRE(d.bob_phone.wait_incoming());
  REQUIRE(d.ana_phone.hang_up());
  next_of(d.ana_api, v1::Event::kTransferTimedOut, 8s);
  CHECK(second.wait_ended());  // nobody to return to
  CHECK(d.bob_phone.wait_cancelled());
  CHECK(next_of(d.ana_api, v1::Event::kInteractionFinished).interaction_finished().interaction_id() == other);
}
