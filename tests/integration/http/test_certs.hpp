// Test PKI made at test time with the openssl CLI: a CA, a server cert for 127.0.0.1/localhost,
// a server cert for a foreign name, and a client cert, in a fresh temporary directory.
#pragma once

#include <string>

namespace nc::http::testing {

struct TestCerts {
  std::string dir;
  std::string caFile;      ///< CA certificate (PEM)
  std::string caDir;       ///< directory holding the CA under its subject hash (CA path)
  std::string serverCert;  ///< SAN DNS:localhost, IP:127.0.0.1
  std::string serverKey;
  std::string otherCert;  ///< SAN DNS:other.example only (hostname mismatch)
  std::string otherKey;
  std::string clientCert;  ///< clientAuth certificate signed by the CA
  std::string clientKey;
  std::string strangerCert;  ///< self-signed client certificate not from the CA
  std::string strangerKey;
};

/// Creates the files once per process (cached); throws std::runtime_error when openssl fails.
const TestCerts& testCerts();

}  // namespace nc::http::testing
