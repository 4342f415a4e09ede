// TestPki via the openssl CLI (x509 -not_before/-not_after are not in OpenSSL 3.0, so leaves
// are signed with `openssl ca` and explicit dates).
#include "support/test_pki.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nc::testing {
namespace fs = std::filesystem;

int run(const std::string& command) {
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::string asn1Time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

void must(const std::string& cmd) {
  if (run(cmd) != 0) throw std::runtime_error("command failed: " + cmd);
}

const char* kCaConf = R"([ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
)";

}  // namespace

TestPki::TestPki() {
  static int instance = 0;
  dir_ = fs::temp_directory_path() /
         ("nc-pki-" + std::to_string(::getpid()) + "-" + std::to_string(instance++));
  fs::create_directories(dir_);
  std::ofstream(dir_ / "ca.conf") << kCaConf;
  std::ofstream(dir_ / "index.txt") << "";
  std::ofstream(dir_ / "serial") << "1000\n";
  std::string cd = "cd " + dir_.string() + " && ";
  must(cd +
       "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key "
       "-out root.pem -subj /CN=Test-Root -days 30 -addext basicConstraints=critical,CA:TRUE "
       "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null");
  must(cd +
       "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out "
       "int.csr -subj /CN=Test-Intermediate 2>/dev/null && printf "
       "'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > int.ext "
       "&& openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem "
       "-days 20 -extfile int.ext 2>/dev/null");
  root_ = readFile(dir_ / "root.pem");
  intermediate_ = readFile(dir_ / "int.pem");
}

TestPki::~TestPki() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

IssuedLeaf TestPki::issue(const std::string& commonName, long seconds,
                          const std::vector<std::string>& dnsNames) {
  std::string n = std::to_string(counter_++);
  std::string san = "DNS:" + commonName;
  for (const auto& d : dnsNames) san += ",DNS:" + d;
  std::time_t now = std::time(nullptr);
  std::string cd = "cd " + dir_.string() + " && ";
  must(cd + "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf" + n +
       ".key -out leaf" + n + ".csr -subj /CN=" + commonName + " -addext subjectAltName=" + san +
       " -addext extendedKeyUsage=clientAuth 2>/dev/null");
  must(cd + "openssl ca -batch -config ca.conf -cert int.pem -keyfile int.key -in leaf" + n +
       ".csr -out leaf" + n + ".pem -notext -startdate " + asn1Time(now - 30) + " -enddate " +
       asn1Time(now + seconds) + " 2>/dev/null");
  return {readFile(dir_ / ("leaf" + n + ".pem")), readFile(dir_ / ("leaf" + n + ".key"))};
}

void TestPki::addCa(const std::string& id, const std::string& subject,
                    const std::vector<std::string>& addext, const std::string& keyArgs) {
  std::string cmd = "cd " + dir_.string() + " && openssl req -x509 -newkey " + keyArgs +
                    " -nodes -keyout " + id + ".key -out " + id + ".pem -subj '" + subject +
                    "' -days 30 -addext basicConstraints=critical,CA:TRUE -addext "
                    "keyUsage=critical,keyCertSign,cRLSign";
  for (const auto& e : addext) cmd += " -addext '" + e + "'";
  must(cmd + " 2>/dev/null");
}

std::string TestPki::caPem(const std::string& id) const {
  return readFile(dir_ / (id + ".pem"));
}

std::string TestPki::caKeyPem(const std::string& id) const {
  return readFile(dir_ / (id + ".key"));
}

IssuedLeaf TestPki::issueWith(const std::string& commonName, const LeafOptions& options) {
  std::string n = "w" + std::to_string(counter_++);
  std::string san = "DNS:" + commonName;
  for (const auto& d : options.dnsNames) san += ",DNS:" + d;
  std::ofstream(dir_ / (n + ".ext")) << "subjectAltName=" << san << "\n"
                                     << options.extensions << "\n";
  std::time_t now = std::time(nullptr);
  std::string cd = "cd " + dir_.string() + " && ";
  must(cd + "openssl req -newkey " + options.keyArgs + " -nodes -keyout " + n + ".key -out " + n +
       ".csr -subj /CN=" + commonName + " 2>/dev/null");
  must(cd + "openssl ca -batch -config ca.conf -cert " + options.issuer + ".pem -keyfile " +
       options.issuer + ".key -in " + n + ".csr -out " + n + ".pem -notext -startdate " +
       asn1Time(now + options.startOffset) + " -enddate " + asn1Time(now + options.seconds) +
       " -extfile " + n + ".ext 2>/dev/null");
  return {readFile(dir_ / (n + ".pem")), readFile(dir_ / (n + ".key"))};
}

IssuedLeaf TestPki::issueForeign(const std::string& commonName, long seconds) {
  std::string n = std::to_string(counter_++);
  std::string cd = "cd " + dir_.string() + " && ";
  must(cd + "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout f" + n +
       ".key -out f" + n + ".pem -subj /CN=" + commonName + " -days " +
       std::to_string(std::max(1L, seconds / 86400)) + " 2>/dev/null");
  return {readFile(dir_ / ("f" + n + ".pem")), readFile(dir_ / ("f" + n + ".key"))};
}

}  // namespace nc::testing
