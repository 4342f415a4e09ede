// lib/config → Nomad client settings.
#include "nomad/from_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace nc::nomad {
namespace {

/// Token file reader: re-reads when the file's modification time or size changes.
struct TokenFile {
  std::filesystem::path path;
  std::filesystem::file_time_type mtime{};
  std::uintmax_t size = 0;
  bool loaded = false;
  std::string token;

  Result<std::string> get() {
    std::error_code ec;
    auto m = std::filesystem::last_write_time(path, ec);
    auto sz = ec ? 0 : std::filesystem::file_size(path, ec);
    if (ec) {
      if (loaded) return token;  // briefly absent during an atomic replace
      return Error(errc::io_error,
                   "cannot read nomad token file " + path.string() + ": " + ec.message());
    }
    if (loaded && m == mtime && sz == size) return token;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (!in && !loaded)
      return Error(errc::io_error, "cannot read nomad token file " + path.string());
    token = std::move(t);
    mtime = m;
    size = sz;
    loaded = true;
    return token;
  }
};

}  // namespace

Result<NomadSetup> nomadSetupFromConfig(const config::NomadConfig& c) {
  NomadSetup s;
  s.options.address = c.address;
  s.options.nomadNamespace = c.nomadNamespace;
  s.options.region = c.region;
  s.options.tls = TlsFiles{c.tls.caCert,    c.tls.caPath,     c.tls.clientCert,
                           c.tls.clientKey, c.tls.serverName, c.tls.insecureSkipVerify};
  s.options.requestTimeout = c.requestTimeout;
  s.transport.baseUrl = c.address;
  s.transport.name = "nomad";
  s.transport.tls =
      http::ClientTlsOptions{c.tls.caCert,    c.tls.caPath,     c.tls.clientCert,
                             c.tls.clientKey, c.tls.serverName, c.tls.insecureSkipVerify};
  s.transport.requestTimeout = c.requestTimeout;
  std::string file = c.token.file;
  if (file.empty() && !c.token.credential.empty()) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir)
      return Error(errc::invalid_argument,
                   "nomad token credential \"" + c.token.credential +
                       "\" configured but $CREDENTIALS_DIRECTORY is not set");
    file = std::string(dir) + "/" + c.token.credential;
  }
  if (!file.empty()) {
    s.options.tokenFile = file;
    auto reader = std::make_shared<TokenFile>();
    reader->path = file;
    s.token = [reader] { return reader->get(); };
  } else {
    std::string value = c.token.value.reveal();
    s.options.token = value;
    s.token = [value] { return Result<std::string>(value); };
  }
  return s;
}

}  // namespace nc::nomad
