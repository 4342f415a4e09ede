// Metrics on prometheus-cpp: families are created once; label sets on first use.
#include "health/metrics.hpp"

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace nc::health {
namespace prom = prometheus;

namespace {
std::string s(std::string_view v) {
  return std::string(v);
}

constexpr std::size_t kSlice = 1024;

/// One gauge family for every certificate, in the text format written by prometheus-cpp's
/// serializer. The series are handed to it in slices of kSlice, so a scrape never holds a
/// label set per certificate for all of them at once; each later slice's HELP/TYPE header is
/// dropped, as the family is one.
void appendCertFamily(std::string& out, const char* name, const char* help,
                      const CertificateSource& certs, bool notAfter) {
  if (!certs) return;
  const prom::TextSerializer serializer;
  std::vector<prom::MetricFamily> slice(1);
  prom::MetricFamily& family = slice.front();
  family.name = name;
  family.help = help;
  family.type = prom::MetricType::Gauge;
  family.metric.reserve(kSlice);
  bool first = true;
  auto flush = [&] {
    std::string text = serializer.Serialize(slice);
    if (!first) text.erase(0, text.find('\n', text.find('\n') + 1) + 1);
    out += text;
    first = false;
    family.metric.clear();
  };
  certs([&](const CertificateGauges& g) {
    prom::ClientMetric& m = family.metric.emplace_back();
    m.label = {{"alloc_id", std::string(g.allocId)},
               {"common_name", std::string(g.commonName)},
               {"job", std::string(g.job)},
               {"path", std::string(g.path)},
               {"task", std::string(g.task)}};
    m.gauge.value = notAfter ? g.notAfterSeconds : g.notBeforeSeconds;
    if (family.metric.size() == kSlice) flush();
  });
  if (!family.metric.empty()) flush();
}

constexpr const char* kNotAfterName = "nomad_certd_certificate_expiration_timestamp_seconds";
constexpr const char* kNotAfterHelp = "NotAfter of each watched certificate, as a Unix timestamp.";
constexpr const char* kNotBeforeName = "nomad_certd_certificate_not_before_timestamp_seconds";
constexpr const char* kNotBeforeHelp =
    "NotBefore of each watched certificate, as a Unix timestamp.";
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
  CertificateSource certs;
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
void Metrics::setCertificateSource(CertificateSource source) {
  impl_->certs = std::move(source);
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
  std::string out = prom::TextSerializer().Serialize(impl_->registry.Collect());
  // Sized once: the certificate families are most of the text (~160 bytes per series).
  std::size_t series = 0;
  if (impl_->certs) impl_->certs([&series](const CertificateGauges&) { ++series; });
  out.reserve(out.size() + series * 2 * 160);
  appendCertFamily(out, kNotAfterName, kNotAfterHelp, impl_->certs, true);
  appendCertFamily(out, kNotBeforeName, kNotBeforeHelp, impl_->certs, false);
  return out;
}

}  // namespace nc::health
