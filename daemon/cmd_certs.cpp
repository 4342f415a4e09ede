// `nomad-certd certs`: one scan of every declared certificate, printed as a table or JSON.
#include <ostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "cert_watch.hpp"
#include "cli.hpp"
#include "clients.hpp"
#include "config/load.hpp"
#include "core/logging.hpp"
#include "vault/token_manager.hpp"

namespace nc::cli {

int runCerts(const CommonOptions& opts, CommandIo io) {
  std::optional<std::filesystem::path> desiredOverride;
  if (opts.desiredState) desiredOverride = *opts.desiredState;
  auto loaded = config::loadConfigurationOrError(opts.configPath, desiredOverride, io.env);
  if (!loaded) {
    io.err << "nomad-certd certs: " << loaded.error().message << "\n";
    return kExitError;
  }
  // Log lines go to stderr so stdout stays the table (or JSON document).
  logging::setup({loaded->config.log.format, loaded->config.log.level});
  boost::asio::io_context ioc;
  const ClockPtr clock = SystemClock::shared();
  auto clients = makeClients(ioc, loaded->config, clock);
  if (!clients) {
    io.err << "nomad-certd certs: " << clients.error().message << "\n";
    return kExitError;
  }
  certs::ScanOptions so;
  so.concurrency = static_cast<std::size_t>(std::max(1, loaded->config.certificates.concurrency));
  so.observationInterval = loaded->config.certificates.scanInterval;
  certs::CertificateScanner scanner(
      certs::makeNomadAllocationReader(clients->nomad, loaded->config.nomad.requestTimeout), clock,
      so);
  auto specs = certificateSpecs(loaded->config, loaded->desired);

  std::optional<certs::ScanResult> result;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        if (clients->tokens) (void)co_await clients->tokens->start();
        certs::IssuanceIndex index(clients->vault);
        IssuanceCheck issuance;
        issuance.index = &index;
        issuance.policy.churnThreshold = loaded->config.certificates.churnThreshold;
        issuance.now = clock->now();
        result = co_await scanOnce(*clients->vault, scanner, std::move(specs), &issuance);
        clients->shutdown();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  if (!result) return kExitError;

  io.out << (opts.output == OutputFormat::json ? renderJson(*result) : renderTable(*result));
  if (!result->errors.empty() || !result->failedJobs.empty()) return kExitError;
  for (const auto& r : result->rows)
    if (r->state != certs::CertState::ok) return kExitWarnings;
  return kExitOk;
}

}  // namespace nc::cli
