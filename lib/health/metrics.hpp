// Metrics: every metric of DESIGN §6 in one prometheus-cpp registry, behind typed methods, and
// its text exposition for /metrics.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace nc::health {

/// One certificate's gauges (views: only read during the call they are passed to).
struct CertificateGauges {
  std::string_view job, task, allocId, path, commonName;
  double notBeforeSeconds = 0, notAfterSeconds = 0;
};
/// Hands every watched certificate to `visit`, once each (no two with the same labels).
using CertificateSource =
    std::function<void(const std::function<void(const CertificateGauges&)>& visit)>;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Reconcile
  void reconcileRun(std::string_view result, double seconds);  ///< result: ok|drift|error
  void setResources(std::string_view kind, std::string_view state, double count);
  void driftDetected(std::string_view kind);
  void driftFixed(std::string_view kind);
  void setLeader(bool leader);

  // Backends
  void setBackendUp(std::string_view backend, bool up);
  void backendRequest(std::string_view backend, int status);  ///< status 0 = transport error

  // Certificates. The two per-certificate gauges are not stored here: each exposition reads
  // them from the source, the daemon's certificate table (at 50k certificates a copy of their
  // labels per series was ~9 MB, and setting them again each scan most of a quiet scan's work).
  void setCertificateSource(CertificateSource source);
  void setCertificates(std::string_view state, double count);

  // Alerts and the event queue
  void alert(std::string_view alertname, std::string_view state);
  void setQueueDepth(std::string_view sink, double depth);
  void delivery(std::string_view sink, std::string_view result);  ///< ok|error
  /// An alert the spool refused (disk full, spool full, fsync failure): it was not accepted.
  void spoolError();

  /// Prometheus text exposition format 0.0.4.
  std::string exposition() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::health
