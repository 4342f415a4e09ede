// Google Benchmark of the per-certificate work of a scan: PEM parse, expiry decision, and the
// whole decision (parse, names, chain against the CA, expiry policy) as the scanner runs it.
#include <benchmark/benchmark.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "certs/certificate_check.hpp"
#include "certs/certificate_facts.hpp"
#include "certs/certificate_view.hpp"
#include "certs/expiry_policy.hpp"
#include "certs/x509.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// An EC P-256 CA and a leaf it signed (30 days), made once with the openssl CLI.
struct Material {
  std::string ca, leaf;
  Material() {
    const fs::path dir =
        fs::temp_directory_path() / ("nc-cert-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string script =
        "cd '" + d +
        "' && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
        "-out ca.pem -subj '/CN=Bench CA' -days 3650 "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign "
        "&& "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key "
        "-out leaf.csr -subj '/CN=bench.service.consul' && "
        "printf 'subjectAltName=DNS:bench.service.consul\\n' > ext && "
        "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 "
        "-extfile ext -out leaf.pem";
    if (std::system((script + " >/dev/null 2>&1").c_str()) != 0) {
      std::fprintf(stderr, "cert_bench: openssl failed in %s\n", d.c_str());
      std::exit(1);
    }
    ca = slurp(dir / "ca.pem");
    leaf = slurp(dir / "leaf.pem");
    fs::remove_all(dir);
  }
};

const Material& material() {
  static const Material m;
  return m;
}

nc::certs::CertificateSpec spec() {
  nc::certs::CertificateSpec s;
  s.job = "bench";
  s.task = "t";
  s.path = "local/cert.pem";
  s.commonName = "bench.service.consul";
  s.warnBefore = nc::certs::Threshold::ofFraction(0.10);
  s.criticalBefore = nc::certs::Threshold::ofFraction(0.05);
  return s;
}

void decide(benchmark::State& state, bool withChain, bool cached) {
  const auto& m = material();
  const auto s = std::make_shared<const nc::certs::CertificateSpec>(spec());
  nc::certs::Observation obs{nc::certs::Observation::Kind::read, m.leaf, {}, nullptr};
  nc::certs::CheckContext ctx;
  ctx.now = std::chrono::system_clock::now();
  if (withChain) ctx.anchors = nc::certs::TrustAnchors::fromPem(m.ca);
  if (cached)  // what a rescan of an unchanged file does: the scanner kept the facts
    obs = {nc::certs::Observation::Kind::read,
           {},
           {},
           std::make_shared<const nc::certs::CertificateFacts>(
               nc::certs::extractFacts(m.leaf, ctx.anchors, ctx.now))};
  const auto check = nc::certs::checkCertificate(s, "alloc", obs, ctx);
  if (check.state != nc::certs::CertState::ok) {
    state.SkipWithError(
        ("certificate not ok: " + std::string(check.reason.view()) + " " + check.message())
            .c_str());
    return;
  }
  for (auto _ : state) {
    auto row = nc::certs::checkCertificate(s, "alloc", obs, ctx);
    benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(state.iterations());
}

// First sight of a certificate: parse, names, chain against the CA, expiry decision.
void BM_ParseAndDecide(benchmark::State& state) {
  decide(state, true, false);
}
void BM_ParseAndDecideNoChain(benchmark::State& state) {
  decide(state, false, false);
}
// A rescan of an unchanged file: the facts come from the scanner's cache.
void BM_RescanDecide(benchmark::State& state) {
  decide(state, true, true);
}

void BM_ParsePem(benchmark::State& state) {
  const auto& m = material();
  for (auto _ : state) {
    auto parsed = nc::certs::parsePemBundle(m.leaf);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}

// The floor under any first-sight parse: OpenSSL's own DER decoding of the leaf.
void BM_D2iX509(benchmark::State& state) {
  const auto& m = material();
  BIO* bio = BIO_new_mem_buf(m.leaf.data(), static_cast<int>(m.leaf.size()));
  char *name = nullptr, *header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  PEM_read_bio(bio, &name, &header, &der, &len);
  for (auto _ : state) {
    const unsigned char* p = der;
    X509* x = d2i_X509(nullptr, &p, len);
    benchmark::DoNotOptimize(x);
    X509_free(x);
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(der);
  BIO_free(bio);
  state.SetItemsProcessed(state.iterations());
}

// extractFacts' two ways on a first sight with the chain check: the leaf read as a
// CertificateView and accepted by its anchor directly, and OpenSSL's X509 with
// X509_verify_cert (what every first sight cost before, and what any other bundle takes).
void BM_FactsDirectly(benchmark::State& state) {
  const auto& m = material();
  auto anchors = nc::certs::TrustAnchors::fromPem(m.ca);
  const auto now = std::chrono::system_clock::now();
  nc::certs::extractFactsFromX509(m.leaf, anchors, now);  // the anchor's first accepted leaf
  if (!nc::certs::extractFactsDirectly(m.leaf, anchors, now)) {
    state.SkipWithError("the anchor did not accept the leaf directly");
    return;
  }
  for (auto _ : state) {
    auto facts = nc::certs::extractFactsDirectly(m.leaf, anchors, now);
    benchmark::DoNotOptimize(facts);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_FactsFromX509(benchmark::State& state) {
  const auto& m = material();
  auto anchors = nc::certs::TrustAnchors::fromPem(m.ca);
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    auto facts = nc::certs::extractFactsFromX509(m.leaf, anchors, now);
    benchmark::DoNotOptimize(facts);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_ReadCertificateView(benchmark::State& state) {
  const auto& m = material();
  for (auto _ : state) {
    auto views = nc::certs::readCertificateViews(m.leaf, 16);
    benchmark::DoNotOptimize(views);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DecideExpiry(benchmark::State& state) {
  nc::certs::ExpiryInput in;
  in.now = std::chrono::system_clock::now();
  in.notBefore = in.now - std::chrono::hours(24);
  in.notAfter = in.now + std::chrono::hours(24 * 29);
  in.warnBefore = nc::certs::Threshold::ofFraction(0.10);
  in.criticalBefore = nc::certs::Threshold::ofFraction(0.05);
  for (auto _ : state) {
    auto d = nc::certs::decideExpiry(in);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseAndDecide);
BENCHMARK(BM_RescanDecide);
BENCHMARK(BM_D2iX509);
BENCHMARK(BM_ParseAndDecideNoChain);
BENCHMARK(BM_ParsePem);
BENCHMARK(BM_DecideExpiry);
BENCHMARK(BM_FactsDirectly);
BENCHMARK(BM_FactsFromX509);
BENCHMARK(BM_ReadCertificateView);

}  // namespace

BENCHMARK_MAIN();
