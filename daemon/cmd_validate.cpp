// `nomad-certd validate`: deploys a test job whose template requests a certificate, waits for
// its allocation, verifies the certificate in it, and always cleans the job up again.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cli.hpp"
#include "config/load.hpp"
#include "core/clock.hpp"
#include "http/client.hpp"
#include "nomad/from_config.hpp"
#include "nomad/nomad_client.hpp"
#include "preflight/validation.hpp"
#include "vault/from_config.hpp"
#include "vault/vault_client.hpp"

namespace nc::cli {
namespace {

namespace asio = boost::asio;
using preflight::ValidationRow;

struct Plan {
  std::string hcl, jobName, task, allocPath, commonName, mount, role;
  std::int64_t ttl = 3600;
};

std::string testJobHcl(const std::string& name, const std::string& mount, const std::string& role,
                       const std::string& jwtRole) {
  return "job \"" + name +
         "\" {\n  datacenters = [\"*\"]\n  type = \"batch\"\n  group \"test\" {\n"
         "    task \"cert\" {\n      driver = \"docker\"\n      vault {\n        role = \"" +
         jwtRole +
         "\"\n      }\n      config {\n        image = \"busybox:1.36\"\n        command = "
         "\"/bin/sh\"\n"
         "        args = [\"-c\", \"sleep 120\"]\n      }\n      template {\n"
         "        destination = \"local/cert.pem\"\n        change_mode = \"noop\"\n"
         "        data = <<-EOT\n          {{- with secret \"" +
         mount + "/issue/" + role +
         "\" \"common_name=test.service.consul\" \"ttl=1h\" -}}\n          {{ .Data.certificate "
         "}}\n"
         "          {{- end }}\n        EOT\n      }\n      resources {\n        cpu = 20\n"
         "        memory = 16\n      }\n    }\n  }\n}\n";
}

// The job JSON with its ID replaced, so a real job is validated under a throw-away name.
Result<std::string> renamed(const std::string& json, const std::string& id) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject())
    return makeError(errc::protocol_error, "parsed job is not a JSON object");
  rapidjson::Value* job = d.HasMember("Job") ? &d["Job"] : &d;
  (*job)["ID"].SetString(id.c_str(), static_cast<rapidjson::SizeType>(id.size()), d.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  job->Accept(w);
  return std::string(buf.GetString());
}

struct Runner {
  const config::LoadedConfiguration& cfg;
  const CommonOptions& opts;
  CommandIo io;
  vault::VaultApi& vault;
  nomad::NomadApi& nomad;
  std::atomic<bool>& interrupted;
  std::vector<ValidationRow> rows;

  void row(std::string check, bool ok, std::string detail) {
    rows.push_back({std::move(check), ok, std::move(detail)});
  }

  asio::awaitable<void> sleep(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
  }

  asio::awaitable<void> run(Plan plan, Duration timeout) {
    auto parsed = co_await nomad.parseJob(plan.hcl, true, "");
    if (!parsed) co_return row("job parsed", false, parsed.error().message);
    auto json = renamed(*parsed, plan.jobName);
    if (!json) co_return row("job parsed", false, json.error().message);
    nomad::RegisterOptions regOpts;  // named: g++ 12 mishandles braced temporaries in co_await
    auto reg = co_await nomad.registerJob(*json, regOpts);
    if (!reg) co_return row("job registered", false, reg.error().message);
    row("job registered", true, plan.jobName + " (evaluation " + reg->evalId.substr(0, 8) + ")");
    co_await waitAndCheck(plan, timeout);
  }

  asio::awaitable<void> waitAndCheck(const Plan& plan, Duration timeout) {
    const bool tty = ::isatty(STDERR_FILENO);
    const auto deadline =
        std::chrono::steady_clock::now() + timeout.as<std::chrono::milliseconds>();
    std::optional<nomad::Allocation> alloc;
    std::string last = "no allocation yet";
    while (std::chrono::steady_clock::now() < deadline && !interrupted) {
      nomad::QueryOptions q;  // named: g++ 12 mishandles braced temporaries in co_await
      auto allocs = co_await nomad.jobAllocations(plan.jobName, q);
      if (allocs && !allocs->value.empty()) {
        auto a = co_await nomad.readAllocation(allocs->value.front().id, q);
        if (a) {
          last = "allocation " + a->value.id.substr(0, 8) + " " + a->value.clientStatus;
          const auto& cs = a->value.clientStatus;
          // The file appears when the template renders; the task starts just after.
          auto st = co_await nomad.statFile(a->value.id, plan.allocPath);
          if (st && st->size > 0 && cs != "pending") {
            alloc = a->value;
            break;
          }
          if (cs == "failed" || cs == "lost" || cs == "complete") {
            alloc = a->value;
            break;
          }
        }
      }
      if (tty) io.err << "\r  waiting: " << last << "   " << std::flush;
      co_await sleep(1000);
    }
    if (tty) io.err << "\n";
    if (interrupted) co_return row("allocation", false, "interrupted");
    if (!alloc)
      co_return row("allocation", false, "timed out after " + timeout.toString() + ": " + last);
    row("allocation", alloc->clientStatus != "failed" && alloc->clientStatus != "lost", last);
    // Nomad starts a task only once its templates rendered (no event for the first render);
    // a failed render kills it with "Template failed: ..." or "failed to derive vault token".
    std::string events, failure;
    bool started = false;
    for (const auto& [task, state] : alloc->taskStates)
      for (const auto& e : state.events) {
        if (e.type == "Started" || e.displayMessage.find("re-rendered") != std::string::npos)
          started = true;
        const auto& m = e.displayMessage;
        if (failure.empty() && (m.find("Template failed") != std::string::npos ||
                                m.find("failed to derive vault token") != std::string::npos)) {
          for (char ch : m) {  // Vault's multi-line error on one table line
            const bool space = ch == '\n' || ch == '\t' || ch == ' ';
            if (!space)
              failure += ch;
            else if (!failure.empty() && failure.back() != ' ')
              failure += ' ';
          }
        }
        events += e.type + "; ";
      }
    const bool rendered = started && failure.empty();
    row("task events show the template rendered", rendered,
        !failure.empty() ? failure
        : events.empty() ? "no task events"
                         : events);
    auto pem = co_await nomad.catFile(alloc->id, plan.allocPath);
    if (!pem)
      co_return row("certificate file exists", false, plan.allocPath + ": " + pem.error().message);
    row("certificate file exists", true, plan.allocPath);
    auto roleInfo = co_await vault.readPkiRole(plan.mount, plan.role);
    auto chain = co_await vault.caChain(plan.mount);
    if (!chain) co_return row("CA chain read from Vault", false, chain.error().message);
    preflight::CertificateExpectation expect{plan.commonName, plan.ttl,
                                             roleInfo ? roleInfo->maxTtl : 0, *chain};
    for (auto& r :
         preflight::checkIssuedCertificate(*pem, expect, std::chrono::system_clock::now()))
      rows.push_back(std::move(r));
  }

  asio::awaitable<void> cleanup(const std::string& jobName) {
    auto d = co_await nomad.deregisterJob(jobName, true);
    row("cleanup (stop + purge)", static_cast<bool>(d),
        d ? jobName + " purged" : d.error().message);
  }
};

Result<Plan> makePlan(const config::LoadedConfiguration& cfg, const CommonOptions& opts) {
  const auto& ds = cfg.desired;
  if (ds.vault.pkiRoles.empty())
    return makeError(errc::invalid_argument, "the desired state declares no PKI role");
  Plan p;
  p.jobName = opts.validateJobName;
  p.mount = ds.vault.pkiRoles.front().mount;
  p.role = ds.vault.pkiRoles.front().name;
  std::string jwtRole = "nomad-workloads";
  for (const auto& a : ds.vault.auth)
    if (!a.roles.empty()) {
      jwtRole = a.roles.front().name;
      break;
    }
  if (!opts.validateJob) {
    p.hcl = testJobHcl(p.jobName, p.mount, p.role, jwtRole);
    p.task = "cert";
    p.allocPath = "cert/local/cert.pem";
    p.commonName = "test.service.consul";
    return p;
  }
  std::ifstream in(*opts.validateJob);
  if (!in) return makeError(errc::not_found, "cannot read " + *opts.validateJob);
  std::stringstream ss;
  ss << in.rdbuf();
  p.hcl = ss.str();
  for (const auto& j : ds.nomad.jobs)
    if (std::filesystem::weakly_canonical(j.resolvedPath) ==
            std::filesystem::weakly_canonical(*opts.validateJob) &&
        !j.certificates.empty()) {
      const auto& c = j.certificates.front();
      p.task = c.task, p.allocPath = c.allocPath(), p.commonName = c.commonName, p.ttl = 0;
      return p;
    }
  return makeError(
      errc::invalid_argument,
      *opts.validateJob + " is not a job of the desired state with a declared certificate");
}

}  // namespace

int runValidate(const CommonOptions& opts, CommandIo io) {
  std::optional<std::filesystem::path> desiredOverride;
  if (opts.desiredState) desiredOverride = *opts.desiredState;
  auto cfg = config::loadConfigurationOrError(opts.configPath, desiredOverride, io.env);
  if (!cfg) return io.err << "validate: " << cfg.error().message << "\n", kExitError;
  auto plan = makePlan(*cfg, opts);
  if (!plan) return io.err << "validate: " << plan.error().message << "\n", kExitError;
  auto timeout = Duration::parse(opts.validateTimeout);
  if (!timeout)
    return io.err << "validate: --timeout: " << timeout.error().message << "\n", kExitError;

  asio::io_context ioc;
  auto vs = vault::vaultSetupFromConfig(cfg->config.vault, SystemClock::shared());
  auto ns = nomad::nomadSetupFromConfig(cfg->config.nomad);
  if (!vs || !ns)
    return io.err << "validate: " << (!vs ? vs.error().message : ns.error().message) << "\n",
           kExitError;
  auto vt = http::makeTransport(ioc, vs->transport);
  auto nt = http::makeTransport(ioc, ns->transport);
  if (!vt || !nt)
    return io.err << "validate: " << (!vt ? vt.error().message : nt.error().message) << "\n",
           kExitError;
  vault::VaultClient vault(*vt, vs->tokens, vs->options);
  nomad::NomadClient nomad(*nt, ns->token, ns->options);

  std::atomic<bool> interrupted{false};
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) interrupted = true;
  });
  Runner runner{*cfg, opts, io, vault, nomad, interrupted, {}};
  io.out << "validate: deploying " << plan->jobName << " (certificate " << plan->commonName
         << " from " << plan->mount << "/issue/" << plan->role << "), timeout "
         << timeout->toString() << "\n";
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await runner.run(*plan, *timeout);
        co_await runner.cleanup(plan->jobName);  // also after a failure or an interrupt
        signals.cancel();
        (*vt)->shutdown();
        (*nt)->shutdown();
      },
      asio::detached);
  ioc.run();
  io.out << preflight::formatTable(runner.rows);
  const bool ok = preflight::allPassed(runner.rows) && !interrupted;
  io.out << "validate: " << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? kExitOk : kExitError;
}

}  // namespace nc::cli
