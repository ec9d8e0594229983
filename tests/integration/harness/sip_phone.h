#pragma once
// An agent's SIP phone for tests: sofia-sip NUA on its own stack (127.0.0.1,
// any port), registering with digest credentials the way desk phones do.
#include <cstdint>
#include <memory>
#include <string>

namespace contactd::test {

class SipPhone {
 public:
  SipPhone();
  ~SipPhone();  // leaves any registration to expire

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactd::test
