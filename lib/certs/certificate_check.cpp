// checkCertificate: the ordered checks for one certificate and the alert it maps to.
#include "certs/certificate_check.hpp"

#include "events/alert.hpp"

namespace nc::certs {
namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

CertificateRow base(std::shared_ptr<const CertificateSpec> spec, AllocId allocId) {
  CertificateRow row;
  row.spec = std::move(spec);
  row.allocId = std::move(allocId);
  return row;
}

CertificateRow fail(CertificateRow row, CertState state, ReasonWord reason, std::string message) {
  row.state = state;
  row.reason = reason;
  row.setMessage(std::move(message));
  return row;
}

ExpiryInput expiryInput(const CertificateSpec& spec, const CertificateFacts& facts,
                        const CheckContext& ctx) {
  ExpiryInput in;
  in.notBefore = facts.notBefore;
  in.notAfter = facts.notAfter;
  in.now = ctx.now;
  in.notBeforeDuration = ctx.notBeforeDuration;
  in.mode = spec.renewal;
  in.observationInterval = ctx.observationInterval;
  in.warnBefore = spec.warnBefore;
  in.criticalBefore = spec.criticalBefore;
  return in;
}

bool hasVariable(const std::string& pattern) {
  return pattern.find("${") != std::string::npos;
}

}  // namespace

std::string expandName(const std::string& pattern, const CertificateSpec& spec) {
  std::string out = pattern;
  replaceAll(out, "${NOMAD_JOB_NAME}", spec.job);
  replaceAll(out, "${NOMAD_TASK_NAME}", spec.task);
  replaceAll(out, "${NOMAD_NAMESPACE}", spec.nomadNamespace);
  return out;
}

CertificateRow checkCertificate(std::shared_ptr<const CertificateSpec> specPtr, AllocId allocId,
                                const Observation& obs, const CheckContext& ctx) {
  CertificateRow row = base(std::move(specPtr), std::move(allocId));
  const CertificateSpec& spec = *row.spec;
  if (obs.kind == Observation::Kind::missing)
    return fail(std::move(row), CertState::missing, "Missing",
                "no certificate at " + spec.path + ": " + obs.error);
  if (obs.kind == Observation::Kind::unreadable)
    return fail(std::move(row), CertState::invalid, "Unreadable",
                "cannot read " + spec.path + ": " + obs.error);

  CertificateFactsPtr facts = obs.facts;
  // Cached facts whose verdict has lapsed are re-extracted when the text is at hand; without it
  // (a cache hit) they stand for this check and the scanner re-reads the file next time.
  if (!facts || (!obs.pem.empty() && !facts->chain.holdsFor(ctx.anchors, ctx.now)))
    facts = std::make_shared<const CertificateFacts>(extractFacts(obs.pem, ctx.anchors, ctx.now));
  if (!facts->parseError.empty())
    return fail(std::move(row), CertState::invalid, "Unparseable",
                spec.path + ": " + facts->parseError.str());
  row.facts = facts;

  if (!spec.commonName.empty()) {
    const std::string expected = expandName(spec.commonName, spec);
    if (facts->commonName != expected)
      return fail(std::move(row), CertState::invalid, "NameMismatch",
                  "common name is \"" + facts->commonName + "\", expected \"" + expected + "\"");
  }
  for (const auto& alt : spec.altNames) {
    std::string name = expandName(alt, spec);
    if (!facts->coversName(name))
      return fail(std::move(row), CertState::invalid, "NameMismatch",
                  "certificate does not cover \"" + name + "\"");
  }

  std::string chainNote;
  if (!ctx.anchors)
    chainNote = " (issuer chain not checked: CA chain unavailable)";
  else if (!facts->chain.error.empty())
    return fail(std::move(row), CertState::invalid, "UntrustedIssuer",
                "does not chain to " + spec.caMount + ": " + facts->chain.error.str());

  ExpiryDecision d = decideExpiry(expiryInput(spec, *facts, ctx));
  row.state = d.state;
  row.reason = d.reason;
  // message() makes a Valid row's sentence again from the same NotAfter.
  if (d.reason != "Valid" || !chainNote.empty()) row.setMessage(d.message + chainNote);
  row.nextChange = d.nextChange;
  return row;
}

bool settledFor(const CertificateSpec& spec, const CertificateFacts& facts, const CheckContext& ctx,
                Duration span) {
  if (!facts.parseError.empty()) return false;
  // The same checks as checkCertificate, in its order, without building a row.
  // Patterns are expanded only when they hold a variable: a copy per file per scan adds up.
  if (!spec.commonName.empty()) {
    const bool same = hasVariable(spec.commonName)
                          ? facts.commonName == expandName(spec.commonName, spec)
                          : facts.commonName == spec.commonName;
    if (!same) return false;
  }
  for (const auto& alt : spec.altNames) {
    const bool covered =
        hasVariable(alt) ? facts.coversName(expandName(alt, spec)) : facts.coversName(alt);
    if (!covered) return false;
  }
  if (ctx.anchors && !facts.chain.error.empty()) return false;
  const ExpiryDecision d = decideExpiry(expiryInput(spec, facts, ctx));
  return d.state == CertState::ok &&
         (!d.nextChange ||
          *d.nextChange - ctx.now > span.as<std::chrono::system_clock::duration>());
}

const CertificateSpec& CertificateRow::specOrEmpty() const {
  static const CertificateSpec kNone = [] {
    CertificateSpec none;
    none.nomadNamespace.clear();
    none.caMount.clear();
    return none;
  }();
  return spec ? *spec : kNone;
}

std::string CertificateRow::expectedCommonName() const {
  return spec ? expandName(spec->commonName, *spec) : std::string();
}

const std::string& CertificateRow::commonName() const {
  static const std::string kNone;
  return facts ? facts->commonName : kNone;
}

std::string CertificateRow::message() const {
  if (message_.empty() && reason == "Valid" && facts) return validUntilMessage(facts->notAfter);
  return message_.str();
}

std::string CertificateRow::serial() const {
  return facts ? facts->serialHex() : std::string();
}

std::optional<TimePoint> CertificateRow::notBefore() const {
  return facts ? std::optional(facts->notBefore) : std::nullopt;
}

std::optional<TimePoint> CertificateRow::notAfter() const {
  return facts ? std::optional(facts->notAfter) : std::nullopt;
}

std::optional<Duration> remainingAt(const CertificateRow& row, TimePoint now) {
  const auto notAfter = row.notAfter();
  if (!notAfter) return std::nullopt;
  if (now >= *notAfter) return Duration{};
  return Duration(std::chrono::duration_cast<std::chrono::nanoseconds>(*notAfter - now));
}

std::optional<events::Alert> alertFor(const CertificateRow& row, TimePoint now) {
  using namespace events;
  if (row.state == CertState::ok) return std::nullopt;
  Alert a;
  a.severity = row.state == CertState::warning ? Severity::warning : Severity::critical;
  if (row.state == CertState::missing)
    a.name = alertname::kMissing;
  else if (row.state == CertState::invalid)
    a.name = alertname::kInvalid;
  else if (row.reason == "Expired")
    a.name = alertname::kExpired;
  else if (row.reason == "RenewalNotApplied")
    a.name = alertname::kRenewalNotApplied;
  else
    a.name = alertname::kRenewalDue;
  a.labels = {{"job", row.job()},   {"namespace", row.nomadNamespace()},
              {"task", row.task()}, {"alloc_id", row.allocId.str()},
              {"path", row.path()}, {"common_name", row.expectedCommonName()}};
  a.annotations["summary"] =
      std::string(row.reason.view()) + ": " + row.job() + "/" + row.task() + " " + row.path();
  a.annotations["description"] = row.message();
  if (const auto notAfter = row.notAfter()) a.annotations["not_after"] = formatRfc3339(*notAfter);
  if (auto remaining = remainingAt(row, now)) a.annotations["remaining"] = remaining->toString();
  return a;
}

}  // namespace nc::certs
