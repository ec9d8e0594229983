#pragma once
// The SIP stack: sofia-sip's NUA on a thread of its own, with its own
// su_root. Every nua_* call and every handle belongs to that thread; other
// threads hand it work with post(). Only the SIP module includes this header
// (it brings sofia's), so the rest of the server never sees sofia types.
//
// Shutdown order (sofia's rule): nua_shutdown -> nua_r_shutdown (final) ->
// nua_destroy -> su_root_destroy, all on the stack's thread; stop() does it.
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_wait.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "sip/sip_limits.h"

namespace contactd::sip {

struct StackOptions {
  std::string address{"127.0.0.1"};
  std::uint16_t port{5060};          // 0: any free port (UDP and TCP share it)
  std::string transports{"udp,tcp"};  // udp, tcp or udp,tcp
  std::string user_agent{"contactd"};
  // What the stack accepts; others get 405 from the stack itself.
  std::string allow{"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER"};
  // Requests handed to the event handler to answer (INVITE enables calls).
  std::string handled{"INVITE, REGISTER"};
  // How often a request of ours is restarted (after a digest challenge, a
  // 423, a 503 with Retry-After...). 0 (a server's choice): never, so the
  // application sees every failure at once; a user agent needs 1 or more.
  unsigned retry_count{0};
  TcpLimits tcp;
};

// What the stack reports; called on the stack's thread.
using EventHandler = std::function<void(nua_event_t event, int status, const char* phrase, nua_handle_t* handle,
                                        nua_hmagic_t* handle_magic, const sip_t* sip, tagi_t tags[])>;

class SipStack {
 public:
  // Binds and starts the thread; returns once the listeners are up. Throws
  // std::runtime_error when the address cannot be bound.
  SipStack(StackOptions options, EventHandler handler);
  ~SipStack();  // stop()
  SipStack(const SipStack&) = delete;
  SipStack& operator=(const SipStack&) = delete;

  std::uint16_t port() const { return port_; }
  // Runs `work` on the stack's thread, in the order posted. False once the
  // stack is stopping (the work is dropped). Thread-safe.
  bool post(std::function<void()> work);
  // Shuts the stack down and joins its thread. Idempotent; not from the
  // stack's own thread.
  void stop();
  // For work running on the stack's thread.
  nua_t* nua() const { return nua_; }
  su_root_t* root() const { return root_; }  // for timers of work on the stack's thread
  bool on_stack_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  // TCP guard (stack thread): finds the stack's accepted connections among
  // the process's descriptors, shuts down those whose peer left (sofia stops
  // reading a connection after bad input and would never see the FIN) and
  // those over the caps; sofia then closes them.
  void sweep_tcp();
  void start_tcp_guard();
  void stop_tcp_guard();
  std::size_t tcp_total_cap() const;

  static void on_event(nua_event_t, int, const char*, nua_t*, nua_magic_t*, nua_handle_t*, nua_hmagic_t*, const sip_t*,
                       tagi_t[]);
  void run(const StackOptions& options);

  EventHandler handler_;
  std::thread thread_;
  su_root_t* root_{nullptr};
  nua_t* nua_{nullptr};
  std::uint16_t port_{0};
  bool shut_down_{false};  // nua_r_shutdown final; stack thread only
  std::mutex mu_;  // guards accepting_, start_error_ and root_ for post()
  std::condition_variable started_;
  bool accepting_{false};
  std::string start_error_;

  TcpLimits tcp_;
  // Accepted connections admitted so far, by descriptor and peer ("ip:port").
  std::map<int, std::string> admitted_;
  std::map<int, std::string> shut_;  // shut down by the guard, not yet closed by sofia
  int listener_watch_{-1};           // epoll on the TCP listener: an accept is due
  bool accept_seen_{false};
  su_timer_t* sweep_timer_{nullptr};
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::size_t refusals_unlogged_{0};
};

}  // namespace contactd::sip
