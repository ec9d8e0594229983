#pragma once
// The benchmark's two SIP user agents, each one sofia-sip NUA (SipStack: one
// thread, one UDP port):
//   AgentPhones: every agent's desk phone at once. One stack registers all N
//     agents (distinct AoRs, Contact sip:<login>@127.0.0.1:<port>): contactd
//     keys bindings by login and rings the Contact URI, so the request-URI
//     tells the phones apart, and one event loop answering every INVITE at
//     once costs far less than N stacks (N threads, N sockets) would. Every
//     INVITE gets 200 with an SDP answer pointing at the RTP path's agent
//     socket; the From user part ("c<serial>") names the customer call.
//   Customers: places the calls (INVITE with a PCMU offer pointing at the RTP
//     path's customer socket) when told, starts the call's audio on the 200,
//     and hangs up when told (BYE, or CANCEL before the 200).
// No per-call threads: all work is on the stacks' own threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "call/rtp_path.h"
#include "call/tracker.h"
#include "sip/sip_stack.h"

namespace contactd::bench::call {

struct Credentials {
  std::string login;
  std::string password;
};

class AgentPhones {
 public:
  // `on_rang(serial)`: on the stack's thread, when a customer call reaches an
  // agent phone.
  AgentPhones(Tracker& tracker, std::uint16_t rtp_port, std::function<void(std::uint64_t)> on_rang);
  ~AgentPhones();  // drops registrations without unregistering, stops the stack
  std::uint16_t port() const { return stack_->port(); }
  int thread_id() const { return tid_.load(); }  // the stack's

  // REGISTERs every agent at 127.0.0.1:registrar_port (UDP), answering the
  // digest challenge; waits up to `limit`. Returns how many got 200; the
  // other final statuses land in registration_failures().
  std::size_t register_all(std::uint16_t registrar_port, const std::vector<Credentials>& agents,
                           std::chrono::seconds limit);
  std::map<std::string, std::size_t> registration_failures();
  // Un-REGISTERs every phone (Expires: 0) and waits up to `limit` for the
  // answers; then drops the handles. Returns how many were answered.
  std::size_t unregister_all(std::chrono::seconds limit);

  std::uint64_t invites() const { return invites_.load(); }      // initial INVITEs answered 200
  std::uint64_t refused() const { return refused_.load(); }      // INVITEs we could not answer (bad SDP...)
  std::uint64_t unknown_callers() const { return unknown_.load(); }  // From not "c<serial>"

 private:
  struct Registration;
  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                const sip_t* sip);
  void on_invite(nua_handle_t* nh, const sip_t* sip);

  Tracker& tracker_;
  std::uint16_t rtp_port_;
  std::function<void(std::uint64_t)> on_rang_;
  std::unique_ptr<sip::SipStack> stack_;
  // Stack thread: registration handles (owned) and the live calls' handles.
  std::vector<std::unique_ptr<Registration>> registrations_;
  std::uint64_t next_session_{1};
  // Registration results (any thread).
  std::mutex mu_;
  std::size_t registered_{0};
  std::size_t unregistered_{0};
  std::map<std::string, std::size_t> failures_;
  std::atomic<std::uint64_t> invites_{0}, refused_{0}, unknown_{0};
  std::atomic<int> tid_{0};
};

class Customers {
 public:
  Customers(Tracker& tracker, RtpPath*& rtp, std::uint16_t rtp_port);
  ~Customers();  // hangs up what is left, stops the stack
  std::uint16_t port() const { return stack_->port(); }
  int thread_id() const { return tid_.load(); }  // the stack's

  // Places call `serial` to sip:<user>@127.0.0.1:<port> (posted to the stack).
  void place(std::uint64_t serial, const std::string& user, std::uint16_t port);
  // Ends call `serial` (posted): BYE once answered, CANCEL before.
  void hang_up(std::uint64_t serial);
  // Dialogs not yet terminated.
  std::size_t live() const { return live_.load(); }
  std::uint64_t byes_received() const { return byes_received_.load(); }  // the far end hung up on us

 private:
  struct Call;
  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, nua_hmagic_t* magic,
                const sip_t* sip);
  void on_response(Call& call, int status, const char* phrase, const sip_t* sip);
  void end(Call& call);  // stack thread

  Tracker& tracker_;
  RtpPath*& rtp_;
  std::uint16_t rtp_port_;
  std::unique_ptr<sip::SipStack> stack_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;  // stack thread
  std::atomic<std::size_t> live_{0};
  std::atomic<std::uint64_t> byes_received_{0};
  std::atomic<int> tid_{0};
};

}  // namespace contactd::bench::call
