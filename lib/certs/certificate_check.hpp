// The decision for one certificate of one allocation, as a pure function over gathered input:
// read outcome → parse → name check → chain check → expiry policy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certs/alloc_id.hpp"
#include "certs/certificate_facts.hpp"
#include "certs/expiry_policy.hpp"
#include "certs/x509.hpp"
#include "events/alert.hpp"

namespace nc::certs {

/// A certificate the desired state declares for a job.
struct CertificateSpec {
  std::string job;
  std::string nomadNamespace = "default";
  std::string task;
  std::string
      path;  ///< relative to the task dir ("secrets/cert.pem") or the alloc ("alloc/data/x")
  std::string commonName;             ///< expected CN; may use ${NOMAD_JOB_NAME}; empty = any
  std::vector<std::string> altNames;  ///< DNS names that must be present
  std::optional<Threshold> warnBefore;
  std::optional<Threshold> criticalBefore;
  RenewalMode renewal = RenewalMode::secret;
  std::string caMount = "pki-int";  ///< whose ca_chain the leaf must verify against

  bool operator==(const CertificateSpec&) const = default;
};
/// The declared certificates, shared by the daemon and its scanner (one copy at 10k jobs).
using CertificateSpecs = std::shared_ptr<const std::vector<CertificateSpec>>;

/// What gathering found in the allocation.
struct Observation {
  enum class Kind { read, missing, unreadable } kind = Kind::read;
  std::string pem;    ///< when read and facts is null
  std::string error;  ///< when missing/unreadable: the backend's words
  /// When read: the facts already extracted from the file (the scanner's cache), checked
  /// against CheckContext::anchors; used instead of parsing pem.
  CertificateFactsPtr facts = nullptr;
};

/// One row of the certificate table. The time left is remainingAt(), and an ok row's message
/// names instants only, so the scanner hands back the same ok row while its decision stands; a
/// row with a problem may name the time left in its message and is decided on every scan.
/// A row points at its spec and at the facts it was decided from rather than copying their
/// strings: at 50k certificates the copies cost ~20 MB (docs/performance.md).
struct CertificateRow {
  /// What was declared; shares the spec list's ownership. Null only in hand-made rows.
  std::shared_ptr<const CertificateSpec> spec;
  AllocId allocId;
  /// The leaf as read; null when the file was missing, unreadable or unparseable.
  CertificateFactsPtr facts;
  CertState state = CertState::ok;
  /// Valid, RenewalOverdue, Expired, Missing, Unparseable, NameMismatch...
  ReasonWord reason = "";
  std::optional<TimePoint> nextChange;

  /// One human sentence. A Valid row's is made from its NotAfter when asked for: most of 50k kept
  /// rows are Valid, and a copy each was ~2.5 MB.
  std::string message() const;
  void setMessage(std::string text) { message_ = std::move(text); }

  const std::string& job() const { return specOrEmpty().job; }
  const std::string& nomadNamespace() const { return specOrEmpty().nomadNamespace; }
  const std::string& task() const { return specOrEmpty().task; }
  const std::string& path() const { return specOrEmpty().path; }
  /// The spec's common name with its variables expanded; empty: any.
  std::string expectedCommonName() const;
  /// The leaf's; empty when it was not read.
  const std::string& commonName() const;
  std::string serial() const;  ///< spelled as Vault does; empty when not read
  std::optional<TimePoint> notBefore() const;
  std::optional<TimePoint> notAfter() const;

 private:
  const CertificateSpec& specOrEmpty() const;

  RareText message_;  // empty: a Valid row's sentence, made when asked
};
using CertificateRowPtr = std::shared_ptr<const CertificateRow>;

/// NotAfter - now, zero once expired; nothing when the certificate was not read.
std::optional<Duration> remainingAt(const CertificateRow& row, TimePoint now);

struct CheckContext {
  TimePoint now;
  /// The CA chain of the spec's mount; null: chain not checked (Vault unreachable), noted in the
  /// message. TrustAnchors::fromPem(Vault's ca_chain) builds it.
  TrustAnchorsPtr anchors;
  Duration notBeforeDuration = Duration::seconds(30);
  Duration observationInterval = Duration::seconds(60);
};

/// Expands ${NOMAD_JOB_NAME}, ${NOMAD_TASK_NAME}, ${NOMAD_NAMESPACE} in an expected name.
std::string expandName(const std::string& pattern, const CertificateSpec& spec);

/// `spec` is shared with the row (an aliasing pointer into the spec list costs no allocation).
CertificateRow checkCertificate(std::shared_ptr<const CertificateSpec> spec, AllocId allocId,
                                const Observation& observation, const CheckContext& ctx);

/// True when checkCertificate would find these facts ok and no threshold of the decision falls
/// within `span` from ctx.now; builds no row (the scanner asks this of every kept file).
bool settledFor(const CertificateSpec& spec, const CertificateFacts& facts, const CheckContext& ctx,
                Duration span);

/// The alert a row raises at `now`, if any (DESIGN §7 names; labels job, namespace, task,
/// alloc_id, path, common_name; annotations summary, description, not_after, remaining).
std::optional<events::Alert> alertFor(const CertificateRow& row, TimePoint now);

}  // namespace nc::certs
