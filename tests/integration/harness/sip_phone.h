#pragma once
// A SIP phone for tests: sofia-sip NUA on its own stack (127.0.0.1, any
// port, UDP and TCP) with real media (RtpEndpoint). It registers with digest
// credentials the way desk phones do, rings/answers/declines INVITEs sent to
// it (an agent's desk phone), and places calls (a customer, a trunk). One
// call at a time: an INVITE while it has a call gets 486.
//
// Media: one RtpEndpoint per phone, reused by every call (its port never
// changes). A new call (an INVITE that is not refused, or a call placed)
// stops it and clears what it heard; the end of a call stops sending and
// keeps what was heard until the next call.
//
// SDP: the phone offers its codecs in its order plus telephone-event 101
// (unless disabled); answering, it picks the first codec of the offer it
// accepts (offer order), telephone events only if offered, and answers
// 488 (Warning 305) when nothing fits, 400 to malformed SDP, 488 to an INVITE
// without SDP. It sends media iff the peer's description says sendrecv or
// recvonly (a peer holding with sendonly gets recvonly and silence).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/rtp_endpoint.h"
#include "media/sdp.h"

namespace contactd::test {

enum class AnswerMode {
  ring,         // 180, then answer()/decline() (or the caller cancels)
  answer,       // 200 at once
  decline,      // 603
  busy,         // 486
  unavailable,  // 503 with Retry-After: 5
};

struct SipPhoneOptions {
  double tone_hz{600};                  // what the phone "says"
  std::vector<int> codecs{0, 8};        // PCMU 0, PCMA 8: offered/accepted, in preference order
  bool telephone_event{true};           // offer/accept RFC 4733 (offered as 101)
  std::string user_agent{"contactd-test-phone"};
};

class SipPhone {
 public:
  using Timeout = std::chrono::milliseconds;
  static constexpr Timeout kWait = std::chrono::seconds(5);

  SipPhone();
  explicit SipPhone(SipPhoneOptions options);
  // Hangs up a call (as hang_up(), waiting up to 2 s for the end), leaves
  // any registration to expire, stops the stack.
  ~SipPhone();
  SipPhone(const SipPhone&) = delete;
  SipPhone& operator=(const SipPhone&) = delete;

  std::uint16_t sip_port() const;  // UDP and TCP

  // --- Registration ---
  struct Reply {
    int status{0};             // the final response; 0: none within 5 s
    std::string contact;       // the Contact the registrar bound, if any
    std::string min_expires;   // from a 423
  };
  // REGISTER as `login` at contactd's SIP port over `transport` ("udp" or
  // "tcp"), answering one digest challenge with `password`.
  Reply register_as(std::uint16_t port, const std::string& login, const std::string& password, int expires = 300,
                    const std::string& transport = "udp");
  // The same binding with Expires: 0. REQUIRES: a register_as before.
  Reply unregister();

  // --- Incoming calls ---
  void set_answer_mode(AnswerMode mode);  // default ring
  // An incoming call is ringing or answered now.
  bool wait_incoming(Timeout timeout = kWait) const;
  int incoming_count() const;  // initial INVITEs received, refused ones included
  struct Caller {
    std::string user;          // From URI user part
    std::string display_name;  // From display name, unquoted ("" if none)
    std::string request_user;  // Request-URI user part (who was called)
  };
  Caller incoming_from() const;  // of the last initial INVITE
  bool answer();   // 200 with SDP to the ringing call; false if none rings
  bool decline();  // 603 to the ringing call
  // The caller cancelled the current/last incoming call while it rang.
  bool wait_cancelled(Timeout timeout = kWait) const;
  // Digits received as SIP INFO (application/dtmf-relay "Signal=5", or
  // application/dtmf "5"), since the start of the current/last call.
  std::string info_digits() const;
  bool wait_info_digits(const std::string& expected, Timeout timeout = kWait) const;

  // --- Outgoing calls ---
  // INVITE sip:to_user@127.0.0.1:port;transport=... with From
  // sip:from_user@127.0.0.1 (a from_user containing '<' is used as the whole
  // From value, e.g. "\"Ann\" <sip:555@127.0.0.1>") and an SDP offer. Returns
  // the final status (0: none within 5 s); on 2xx media starts towards the
  // answer. The call stays up until hang_up() or a BYE.
  int call(std::uint16_t port, const std::string& to_user, const std::string& from_user,
           const std::string& transport = "udp");
  // The same with `raw_sdp` as the offer (sent as is: may be malformed).
  int call_with_sdp(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                    const std::string& raw_sdp, const std::string& transport = "udp");
  // Any body and Content-Type; an empty body: an INVITE without one.
  int call_with_body(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                     const std::string& content_type, const std::string& body, const std::string& transport = "udp");
  // Non-blocking forms: the INVITE goes out, wait_final() gives the result.
  // False if the phone already has a call.
  bool start_call(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                  const std::string& transport = "udp");
  bool start_call_with_body(std::uint16_t port, const std::string& to_user, const std::string& from_user,
                            const std::string& content_type, const std::string& body,
                            const std::string& transport = "udp");
  int wait_final(Timeout timeout = kWait) const;  // final status of the last call placed; 0: none yet
  int last_provisional() const;                   // last 1xx of the last call placed (180, 183); 0: none
  bool wait_ringing(Timeout timeout = kWait) const;  // a 180/183 arrived for the call placed
  std::string last_reason() const;       // reason phrase of the final response
  std::string last_retry_after() const;  // Retry-After seconds of the final response ("" if none)
  std::string last_warning() const;      // Warning header value of the final response ("" if none)

  // --- Both directions ---
  enum class State {
    idle,
    calling,  // placed, no final response yet (ringing or not)
    ringing,  // incoming, 180 sent, not answered
    active,   // answered (2xx sent or received), until BYE/terminated
  };
  State state() const;
  bool in_call() const { return state() == State::active; }
  // Ends the call: CANCEL before a final answer to a call placed, 603 to a
  // ringing incoming call, BYE once answered. Waits (5 s) for the end; true
  // if the phone is idle afterwards.
  bool hang_up();
  // The current/last call ended (BYE either way, CANCEL, rejected, failed).
  // False before any call.
  bool wait_ended(Timeout timeout = kWait) const;
  bool bye_received() const;  // the other side hung up the current/last call with BYE
  // re-INVITE of the established call: sendonly (hold) / sendrecv (resume).
  // Returns the final status (0: none within 5 s, -1: no established call).
  int hold();
  int resume();
  // Sends each digit as SIP INFO (application/dtmf-relay), one after the
  // other; true if every INFO got 200.
  bool send_info_digits(const std::string& digits);
  // The last SDP received (offer or answer, raw) and its audio direction.
  std::string remote_sdp() const;
  media::Direction remote_direction() const;

  RtpEndpoint& media();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactd::test
