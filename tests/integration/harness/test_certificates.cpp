#include "harness/test_certificates.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace contactd::test {

TestCertificates::TestCertificates(const std::string& names) {
  char templ[] = "/tmp/contactd-certs-XXXXXX";
  if (!::mkdtemp(templ)) FAIL("mkdtemp failed");
  dir_ = templ;
  std::ofstream(dir_ + "/openssl.cnf") << "[req]\ndistinguished_name = dn\nprompt = no\n"
                                       << "[dn]\nCN = contactd test\n"
                                       << "[ca]\nbasicConstraints = critical,CA:TRUE\n"
                                       << "keyUsage = critical,keyCertSign,cRLSign\n"
                                       << "subjectKeyIdentifier = hash\n"
                                       << "[server]\nbasicConstraints = critical,CA:FALSE\n"
                                       << "keyUsage = critical,digitalSignature\n"
                                       << "extendedKeyUsage = serverAuth\n"
                                       << "authorityKeyIdentifier = keyid\n"
                                       << "subjectAltName = " << names << "\n";
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config openssl.cnf";
  std::ostringstream script;
  script << "cd '" << dir_ << "' && (set -e;"
         << " openssl req -x509 -extensions ca" << key << " -keyout ca.key -out ca.pem -days 2"
         << " -subj '/CN=contactd test CA';"
         << " openssl req -new" << key << " -keyout server.key -out server.csr -subj '/CN=contactd test bot';"
         << " openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2"
         << " -extfile openssl.cnf -extensions server -out server.pem) > openssl.log 2>&1";
  if (std::system(script.str().c_str()) != 0) {
    std::ifstream in(dir_ + "/openssl.log");
    std::stringstream log;
    log << in.rdbuf();
    const std::string cmd = "rm -rf '" + dir_ + "'";
    [[maybe_unused]] int rc = std::system(cmd.c_str());
    FAIL("cannot make test certificates with openssl:\n" << log.str());
  }
}

TestCertificates::~TestCertificates() {
  const std::string cmd = "rm -rf '" + dir_ + "'";
  [[maybe_unused]] int rc = std::system(cmd.c_str());
}

}  // namespace contactd::test
