// Certificates made on the fly for TLS tests: no key material lives in the repository.
#pragma once

#include <string>

namespace glasshub::test {

struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

// A fresh self-signed certificate (P-256 key, valid for a day) whose only subjectAltName is
// DNS:<dns_name>. Throws std::runtime_error when OpenSSL fails.
TlsIdentity self_signed_identity(const std::string& dns_name);

}  // namespace glasshub::test
