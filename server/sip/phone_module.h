#pragma once
// The phone module (issue 5) as the daemon sees it: the SIP stack and what
// answers on it. So far agents' phones register here (digest
// authentication against each user's SIP secret) and their registration
// decides whether they are offered calls. No sofia types in this header.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace contactd::host {
class EngineHost;
}

namespace contactd::sip {

struct SipOptions {
  bool enabled{true};
  std::string address{"127.0.0.1"};
  std::uint16_t port{5060};            // UDP and TCP; 0: any free port
  std::string transports{"udp,tcp"};
  std::string realm{"contactd"};       // digest realm; user secrets are bound to it
  std::chrono::seconds min_expires{60};    // shorter registrations: 423 Interval Too Brief
  std::chrono::seconds max_expires{3600};  // longer ones are cut to this
  int auth_failures_per_minute{5};         // wrong digests per SIP user name; then 403 until the minute passes
};

class PhoneModule {
 public:
  // Starts the SIP stack. Throws std::runtime_error if it cannot listen.
  PhoneModule(host::EngineHost& host, SipOptions options);
  ~PhoneModule();
  std::uint16_t port() const;
  // Stops answering and joins the SIP thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactd::sip
