// The /status document of `run`: version, leadership, resources, backends, the certificate
// table, firing alerts and each sink's queue. Only names, states and dates: never a secret.
#include <rapidjson/writer.h>

#include "cert_watch.hpp"
#include "service.hpp"

#ifndef NC_VERSION
#define NC_VERSION "0.0.0"
#endif

namespace nc::cli {

namespace {

/// RapidJSON output stream writing straight into the response string. At 50k certificates the
/// document is ~15 MB: a buffer grown by doubling held up to three times that at the moment of
/// a regrowth, so the document is measured first (CountingOut) and written once into a string
/// of exactly its size.
struct StringOut {
  using Ch = char;
  std::string& out;
  void Put(char c) { out.push_back(c); }
  void Flush() {}
};

struct CountingOut {
  using Ch = char;
  std::size_t size = 0;
  void Put(char) { ++size; }
  void Flush() {}
};

template <typename Out>
void writeStatus(Out& buf, const Daemon& d, const std::vector<events::Alert>& firing,
                 events::TimePoint now) {
  rapidjson::Writer<Out> w(buf);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  auto kv = [&](const char* k, std::string_view v) {
    w.Key(k);
    str(v);
  };
  w.StartObject();
  kv("version", NC_VERSION);
  kv("status", d.statusLine);
  w.Key("ready");
  w.Bool(d.health->ready());
  w.Key("problems");
  w.StartObject();
  for (const auto& [k, v] : d.health->problems()) kv(k.c_str(), v);
  w.EndObject();
  w.Key("leader");
  w.Bool(d.controller && d.controller->isLeader());
  w.Key("reconcile");
  w.StartObject();
  kv("state", d.controller ? (d.controllerDone ? "stopped" : "running") : "not running");
  w.Key("resources");
  w.StartArray();
  if (d.controller) {
    for (const auto& r : d.controller->status()) {
      w.StartObject();
      kv("resource", r.key.toString());
      kv("state", reconcile::toString(r.state));
      kv("mode", config::toString(r.mode));
      w.Key("missing");
      w.Bool(r.missing);
      kv("message", r.message);
      kv("where", r.where);
      // Drift is reported by field path only; values stay out of /status.
      w.Key("drift");
      w.StartArray();
      for (const auto& delta : r.deltas) str(delta.path);
      w.EndArray();
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  w.Key("backends");
  w.StartObject();
  kv("vault", d.vaultUp ? "up" : "down");
  kv("nomad", d.nomadUp ? "up" : "down");
  w.EndObject();

  w.Key("certificates");
  w.StartObject();
  w.Key("declared");
  w.Uint64(d.specs ? d.specs->size() : 0);
  w.Key("cycles");
  w.Uint64(d.cycles);
  w.Key("last_scan");
  d.lastScanAt ? str(events::formatRfc3339(*d.lastScanAt)) : (void)w.Null();
  w.Key("last_scan_seconds");
  w.Double(d.lastScanSeconds);
  // Kept allocation lists stand only while this stream is live; each reconnect drops them all.
  w.Key("allocation_events");
  w.StartObject();
  w.Key("live");
  w.Bool(d.allocStream && d.allocStream->live());
  w.Key("reconnects");
  w.Int(d.allocStream ? d.allocStream->reconnects() : 0);
  w.EndObject();
  w.Key("rows");
  w.StartArray();
  for (const auto& row : d.statusRows) {
    const certs::CertificateRow& r = *row;
    w.StartObject();
    kv("job", r.job());
    kv("namespace", r.nomadNamespace());
    kv("alloc_id", r.allocId);
    kv("task", r.task());
    kv("path", r.path());
    kv("common_name", r.commonName());
    w.Key("not_after");
    r.notAfter() ? str(events::formatRfc3339(*r.notAfter())) : (void)w.Null();
    kv("remaining", formatRemaining(certs::remainingAt(r, now)));  // as of this read
    kv("state", certs::toString(r.state));
    kv("reason", r.reason);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.Key("alerts");
  w.StartArray();
  for (const auto& a : firing) {
    w.StartObject();
    kv("alertname", a.name);
    kv("severity", events::toString(a.severity));
    kv("fingerprint", a.fingerprint());
    w.Key("labels");
    w.StartObject();
    for (const auto& [k, v] : a.labels) kv(k.c_str(), v);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();

  w.Key("sinks");
  w.StartArray();
  for (const auto& s : d.queue->stats()) {
    w.StartObject();
    kv("name", s.name);
    w.Key("queue_depth");
    w.Uint64(s.depth);
    w.Key("delivered");
    w.Uint64(s.delivered);
    w.Key("failures");
    w.Uint64(s.failures);
    kv("last_error", s.lastError);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string statusJson(const Daemon& d) {
  const std::vector<events::Alert> firing = d.tracker.firing();
  const events::TimePoint now = d.clock->now();
  CountingOut counted;
  writeStatus(counted, d, firing, now);
  std::string out;
  out.reserve(counted.size + 1);  // + the endpoint's trailing newline
  StringOut buf{out};
  writeStatus(buf, d, firing, now);
  return out;
}

}  // namespace nc::cli
