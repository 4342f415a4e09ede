// The /status document of `run`: version, leadership, resources, backends, firing alerts, each
// sink's queue, and the certificate table last, so that its rows can be written piece by piece.
// Only names, states and dates: never a secret.
#include <utility>

#include <rapidjson/writer.h>

#include "cert_watch.hpp"
#include "service.hpp"

#ifndef NC_VERSION
#define NC_VERSION "0.0.0"
#endif

namespace nc::cli {

namespace {

/// RapidJSON output stream appending to whichever piece is being written.
struct PieceOut {
  using Ch = char;
  std::string* piece = nullptr;
  void Put(char c) { piece->push_back(c); }
  void Flush() {}
};

struct CountingOut {
  using Ch = char;
  std::size_t size = 0;
  void Put(char) { ++size; }
  void Flush() {}
};

template <typename Out>
void str(rapidjson::Writer<Out>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <typename Out>
void kv(rapidjson::Writer<Out>& w, const char* k, std::string_view v) {
  w.Key(k);
  str(w, v);
}

/// Everything up to the certificate rows, which come last: `"rows":[` is the head's end.
template <typename Out>
void writeHead(rapidjson::Writer<Out>& w, const Daemon& d,
               const std::vector<events::Alert>& firing) {
  w.StartObject();
  kv(w, "version", NC_VERSION);
  kv(w, "status", d.statusLine);
  w.Key("ready");
  w.Bool(d.health->ready());
  w.Key("problems");
  w.StartObject();
  for (const auto& [k, v] : d.health->problems()) kv(w, k.c_str(), v);
  w.EndObject();
  w.Key("leader");
  w.Bool(d.controller && d.controller->isLeader());
  w.Key("reconcile");
  w.StartObject();
  kv(w, "state", d.controller ? (d.controllerDone ? "stopped" : "running") : "not running");
  w.Key("resources");
  w.StartArray();
  if (d.controller) {
    for (const auto& r : d.controller->status()) {
      w.StartObject();
      kv(w, "resource", r.key.toString());
      kv(w, "state", reconcile::toString(r.state));
      kv(w, "mode", config::toString(r.mode));
      w.Key("missing");
      w.Bool(r.missing);
      kv(w, "message", r.message);
      kv(w, "where", r.where);
      // Drift is reported by field path only; values stay out of /status.
      w.Key("drift");
      w.StartArray();
      for (const auto& delta : r.deltas) str(w, delta.path);
      w.EndArray();
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  w.Key("backends");
  w.StartObject();
  kv(w, "vault", d.vaultUp ? "up" : "down");
  kv(w, "nomad", d.nomadUp ? "up" : "down");
  w.EndObject();

  w.Key("alerts");
  w.StartArray();
  for (const auto& a : firing) {
    w.StartObject();
    kv(w, "alertname", a.name);
    kv(w, "severity", events::toString(a.severity));
    kv(w, "fingerprint", a.fingerprint());
    w.Key("labels");
    w.StartObject();
    for (const auto& [k, v] : a.labels) kv(w, k.c_str(), v);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();

  w.Key("sinks");
  w.StartArray();
  for (const auto& s : d.queue->stats()) {
    w.StartObject();
    kv(w, "name", s.name);
    w.Key("queue_depth");
    w.Uint64(s.depth);
    w.Key("delivered");
    w.Uint64(s.delivered);
    w.Key("failures");
    w.Uint64(s.failures);
    kv(w, "last_error", s.lastError);
    w.EndObject();
  }
  w.EndArray();

  w.Key("certificates");
  w.StartObject();
  w.Key("declared");
  w.Uint64(d.specs ? d.specs->size() : 0);
  w.Key("cycles");
  w.Uint64(d.cycles);
  w.Key("last_scan");
  d.lastScanAt ? str(w, events::formatRfc3339(*d.lastScanAt)) : (void)w.Null();
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
}

template <typename Out>
void writeRow(rapidjson::Writer<Out>& w, const certs::CertificateRow& r, events::TimePoint now) {
  w.StartObject();
  kv(w, "job", r.job());
  kv(w, "namespace", r.nomadNamespace());
  kv(w, "alloc_id", r.allocId.str());
  kv(w, "task", r.task());
  kv(w, "path", r.path());
  kv(w, "common_name", r.commonName());
  w.Key("not_after");
  r.notAfter() ? str(w, events::formatRfc3339(*r.notAfter())) : (void)w.Null();
  kv(w, "remaining", formatRemaining(certs::remainingAt(r, now)));  // as of this read
  kv(w, "state", certs::toString(r.state));
  kv(w, "reason", r.reason);
  w.EndObject();
}

/// Closes the rows, the certificates object and the document.
template <typename Out>
void writeEnd(rapidjson::Writer<Out>& w) {
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

}  // namespace

health::StatusDocument statusDocument(const Daemon& d) {
  // Everything but the rows is written now; the rows come from a snapshot of the table (its
  // shared rows, not copies), as later pieces are written while scans go on.
  struct Writing {
    PieceOut out;
    rapidjson::Writer<PieceOut> w{out};
    std::string head;
    std::vector<certs::CertificateRowPtr> rows;
    std::size_t next = 0;
    events::TimePoint now;
  };
  auto st = std::make_shared<Writing>();
  st->rows = d.statusRows;
  st->now = d.clock->now();
  const std::vector<events::Alert> firing = d.tracker.firing();

  health::StatusDocument doc;
  CountingOut counted;
  rapidjson::Writer<CountingOut> count(counted);
  writeHead(count, d, firing);
  for (const auto& row : st->rows) writeRow(count, *row, st->now);
  writeEnd(count);
  doc.size = counted.size;

  st->out.piece = &st->head;
  writeHead(st->w, d, firing);
  doc.next = [st](std::string& piece) {
    // ~64 KB pieces: few writes, and a bounded buffer whatever the table's size.
    constexpr std::size_t kPiece = 64 * 1024;
    if (!st->head.empty()) piece = std::exchange(st->head, {});
    st->out.piece = &piece;
    while (st->next < st->rows.size() && piece.size() < kPiece)
      writeRow(st->w, *st->rows[st->next++], st->now);
    if (st->next < st->rows.size()) return true;
    writeEnd(st->w);
    return false;
  };
  return doc;
}

}  // namespace nc::cli
