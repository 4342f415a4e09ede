// Metrics on prometheus-cpp: families are created once; label sets on first use.
#include "health/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace nc::health {
namespace prom = prometheus;

namespace {
prom::Labels certLabels(const CertificateLabels& l) {
  return {{"job", l.job},
          {"task", l.task},
          {"alloc_id", l.allocId},
          {"path", l.path},
          {"common_name", l.commonName}};
}
std::string s(std::string_view v) {
  return std::string(v);
}
}  // namespace

struct Metrics::Impl {
  prom::Registry registry;
  prom::Family<prom::Counter>& runs = prom::BuildCounter()
                                          .Name("nomad_certd_reconcile_runs_total")
                                          .Help("Reconcile cycles by result (ok, drift, error).")
                                          .Register(registry);
  prom::Family<prom::Histogram>& duration = prom::BuildHistogram()
                                                .Name("nomad_certd_reconcile_duration_seconds")
                                                .Help("Wall time of one reconcile cycle.")
                                                .Register(registry);
  prom::Family<prom::Gauge>& resources =
      prom::BuildGauge()
          .Name("nomad_certd_resources")
          .Help("Managed resources by kind and state (in_sync, drifted, error).")
          .Register(registry);
  prom::Family<prom::Counter>& driftDetected = prom::BuildCounter()
                                                   .Name("nomad_certd_drift_detected_total")
                                                   .Help("Drift found, by resource kind.")
                                                   .Register(registry);
  prom::Family<prom::Counter>& driftFixed = prom::BuildCounter()
                                                .Name("nomad_certd_drift_fixed_total")
                                                .Help("Drift repaired, by resource kind.")
                                                .Register(registry);
  prom::Family<prom::Gauge>& backendUp =
      prom::BuildGauge()
          .Name("nomad_certd_backend_up")
          .Help("1 when the backend (vault, nomad) answered its last request.")
          .Register(registry);
  prom::Family<prom::Counter>& backendRequests =
      prom::BuildCounter()
          .Name("nomad_certd_backend_requests_total")
          .Help("Requests to each backend by HTTP status code (0 = transport error).")
          .Register(registry);
  prom::Family<prom::Gauge>& leader = prom::BuildGauge()
                                          .Name("nomad_certd_leader")
                                          .Help("1 while this instance holds the leader lock.")
                                          .Register(registry);
  prom::Family<prom::Gauge>& notAfter =
      prom::BuildGauge()
          .Name("nomad_certd_certificate_expiration_timestamp_seconds")
          .Help("NotAfter of each watched certificate, as a Unix timestamp.")
          .Register(registry);
  prom::Family<prom::Gauge>& notBefore =
      prom::BuildGauge()
          .Name("nomad_certd_certificate_not_before_timestamp_seconds")
          .Help("NotBefore of each watched certificate, as a Unix timestamp.")
          .Register(registry);
  prom::Family<prom::Gauge>& certificates =
      prom::BuildGauge()
          .Name("nomad_certd_certificates")
          .Help("Watched certificates by state (ok, warning, critical, missing, invalid).")
          .Register(registry);
  prom::Family<prom::Counter>& alerts = prom::BuildCounter()
                                            .Name("nomad_certd_alerts_total")
                                            .Help("Alert events sent, by alertname and state.")
                                            .Register(registry);
  prom::Family<prom::Gauge>& queueDepth =
      prom::BuildGauge()
          .Name("nomad_certd_event_queue_depth")
          .Help("Events waiting in the durable queue, per sink.")
          .Register(registry);
  prom::Family<prom::Counter>& deliveries =
      prom::BuildCounter()
          .Name("nomad_certd_event_deliveries_total")
          .Help("Delivery attempts per sink by result (ok, error).")
          .Register(registry);
  prom::Counter& spoolErrors =
      prom::BuildCounter()
          .Name("nomad_certd_event_spool_errors_total")
          .Help("Alert events the durable spool refused (disk full, spool full, fsync failure).")
          .Register(registry)
          .Add({});
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {
  setLeader(false);
}
Metrics::~Metrics() = default;

void Metrics::reconcileRun(std::string_view result, double seconds) {
  impl_->runs.Add({{"result", s(result)}}).Increment();
  static const prom::Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5,   1,    2.5,   5,    10,  30};
  impl_->duration.Add({}, kBuckets).Observe(seconds);
}
void Metrics::setResources(std::string_view kind, std::string_view state, double count) {
  impl_->resources.Add({{"kind", s(kind)}, {"state", s(state)}}).Set(count);
}
void Metrics::driftDetected(std::string_view kind) {
  impl_->driftDetected.Add({{"kind", s(kind)}}).Increment();
}
void Metrics::driftFixed(std::string_view kind) {
  impl_->driftFixed.Add({{"kind", s(kind)}}).Increment();
}
void Metrics::setLeader(bool leader) {
  impl_->leader.Add({}).Set(leader ? 1 : 0);
}
void Metrics::setBackendUp(std::string_view backend, bool up) {
  impl_->backendUp.Add({{"backend", s(backend)}}).Set(up ? 1 : 0);
}
void Metrics::backendRequest(std::string_view backend, int status) {
  impl_->backendRequests.Add({{"backend", s(backend)}, {"code", std::to_string(status)}})
      .Increment();
}
void Metrics::setCertificate(const CertificateLabels& labels, double notBeforeSeconds,
                             double notAfterSeconds) {
  impl_->notBefore.Add(certLabels(labels)).Set(notBeforeSeconds);
  impl_->notAfter.Add(certLabels(labels)).Set(notAfterSeconds);
}
void Metrics::removeCertificate(const CertificateLabels& labels) {
  auto l = certLabels(labels);
  if (impl_->notBefore.Has(l)) impl_->notBefore.Remove(&impl_->notBefore.Add(l));
  if (impl_->notAfter.Has(l)) impl_->notAfter.Remove(&impl_->notAfter.Add(l));
}
void Metrics::setCertificates(std::string_view state, double count) {
  impl_->certificates.Add({{"state", s(state)}}).Set(count);
}
void Metrics::alert(std::string_view alertname, std::string_view state) {
  impl_->alerts.Add({{"alertname", s(alertname)}, {"state", s(state)}}).Increment();
}
void Metrics::spoolError() {
  impl_->spoolErrors.Increment();
}
void Metrics::setQueueDepth(std::string_view sink, double depth) {
  impl_->queueDepth.Add({{"sink", s(sink)}}).Set(depth);
}
void Metrics::delivery(std::string_view sink, std::string_view result) {
  impl_->deliveries.Add({{"sink", s(sink)}, {"result", s(result)}}).Increment();
}

std::string Metrics::exposition() const {
  return prom::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace nc::health
