// Generates the test PKI with the openssl command-line tool into a temporary directory.
#include "test_certs.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace nc::http::testing {
namespace {

void run(const std::string& cmd) {
  std::string full = cmd + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) throw std::runtime_error("openssl failed: " + cmd);
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

void leaf(const std::string& dir, const std::string& name, const std::string& cn,
          const std::string& ext) {
  const std::string base = dir + "/" + name;
  writeFile(base + ".ext", ext);
  run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + base +
      ".key -out " + base + ".csr -subj /CN=" + cn);
  run("openssl x509 -req -in " + base + ".csr -CA " + dir + "/ca.pem -CAkey " + dir +
      "/ca.key -CAcreateserial -days 2 -out " + base + ".pem -extfile " + base + ".ext");
}

TestCerts make() {
  auto tmpl = (std::filesystem::temp_directory_path() / "nc-http-certs-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  TestCerts c;
  c.dir = tmpl;
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout " +
      c.dir + "/ca.key -out " + c.dir + "/ca.pem -subj /CN=nc-test-ca");
  leaf(c.dir, "server", "localhost",
       "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf(c.dir, "other", "other.example",
       "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n");
  leaf(c.dir, "client", "nc-client", "extendedKeyUsage=clientAuth\n");
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout " +
      c.dir + "/stranger.key -out " + c.dir + "/stranger.pem -subj /CN=stranger");
  c.caFile = c.dir + "/ca.pem";
  c.caDir = c.dir + "/ca.d";
  std::filesystem::create_directories(c.caDir);
  std::filesystem::copy_file(c.caFile, c.caDir + "/ca.pem");
  run("openssl rehash " + c.caDir);
  c.serverCert = c.dir + "/server.pem";
  c.serverKey = c.dir + "/server.key";
  c.otherCert = c.dir + "/other.pem";
  c.otherKey = c.dir + "/other.key";
  c.clientCert = c.dir + "/client.pem";
  c.clientKey = c.dir + "/client.key";
  c.strangerCert = c.dir + "/stranger.pem";
  c.strangerKey = c.dir + "/stranger.key";
  return c;
}

struct Cleanup {
  std::string dir;
  ~Cleanup() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

const TestCerts& testCerts() {
  static const TestCerts certs = make();
  static const Cleanup cleanup{certs.dir};
  return certs;
}

}  // namespace nc::http::testing
