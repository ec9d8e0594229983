#pragma once
// Throwaway TLS certificates for loopback servers (bots, fake providers).
#include <string>

namespace contactd::test {

// A throwaway CA and, signed by it, a server certificate for `names`
// (openssl subjectAltName syntax), made with the openssl command line in a
// temp dir that is removed with this object. Fails the test if openssl fails.
class TestCertificates {
 public:
  explicit TestCertificates(const std::string& names = "IP:127.0.0.1,DNS:localhost");
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  std::string ca_file() const { return dir_ + "/ca.pem"; }        // the CA's certificate (PEM)
  std::string cert_file() const { return dir_ + "/server.pem"; }  // the server's certificate (PEM)
  std::string key_file() const { return dir_ + "/server.key"; }   // its private key (PEM)

 private:
  std::string dir_;
};

}  // namespace contactd::test
