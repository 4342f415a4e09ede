// The exposition carries every contract metric and passes `promtool check metrics`.
#include "health/metrics.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace nc::health {
namespace {

/// A certificate table as the daemon keeps it, handed to Metrics as its source.
struct Table {
  std::vector<CertificateGauges> rows;
  std::vector<std::string> keep;  // owns label texts built on the fly
  CertificateSource source() {
    return [this](const auto& visit) {
      for (const auto& r : rows) visit(r);
    };
  }
};

Metrics& populated() {
  static Metrics m;
  static bool once = [] {
    m.reconcileRun("ok", 0.02);
    m.setResources("pki_role", "in_sync", 3);
    m.driftDetected("nomad_job");
    m.driftFixed("nomad_job");
    m.setLeader(true);
    m.setBackendUp("vault", true);
    m.backendRequest("vault", 200);
    m.backendRequest("nomad", 0);
    static Table table{
        {{"web", "server", "a1b2", "secrets/cert.pem", "web.service.consul", 1.8e9, 1.8e9 + 86400}},
        {}};
    m.setCertificateSource(table.source());
    m.setCertificates("ok", 1);
    m.alert("CertificateRenewalDue", "firing");
    m.setQueueDepth("alertmanager", 0);
    m.delivery("alertmanager", "ok");
    m.spoolError();
    return true;
  }();
  (void)once;
  return m;
}

TEST(Metrics, ExposesEveryContractMetric) {
  std::string text = populated().exposition();
  for (const char* name :
       {"nomad_certd_reconcile_runs_total{result=\"ok\"} 1",
        "nomad_certd_reconcile_duration_seconds_bucket", "nomad_certd_resources{",
        "nomad_certd_drift_detected_total{kind=\"nomad_job\"} 1",
        "nomad_certd_drift_fixed_total{kind=\"nomad_job\"} 1",
        "nomad_certd_backend_up{backend=\"vault\"} 1",
        "nomad_certd_backend_requests_total{backend=\"nomad\",code=\"0\"} 1",
        "nomad_certd_leader 1", "nomad_certd_certificate_expiration_timestamp_seconds{",
        "nomad_certd_certificate_not_before_timestamp_seconds{",
        "nomad_certd_certificates{state=\"ok\"} 1",
        "nomad_certd_alerts_total{alertname=\"CertificateRenewalDue\",state=\"firing\"} 1",
        "nomad_certd_event_queue_depth{sink=\"alertmanager\"} 0",
        "nomad_certd_event_deliveries_total{result=\"ok\",sink=\"alertmanager\"} 1"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name << "\n" << text;
  }
}

TEST(Metrics, SpoolErrorsCount) {
  Metrics m;
  EXPECT_NE(m.exposition().find("nomad_certd_event_spool_errors_total 0"), std::string::npos);
  m.spoolError();
  m.spoolError();
  EXPECT_NE(m.exposition().find("nomad_certd_event_spool_errors_total 2"), std::string::npos)
      << m.exposition();
}

TEST(Metrics, TheGaugesFollowTheTableAtEachExposition) {
  Metrics m;
  EXPECT_EQ(m.exposition().find("nomad_certd_certificate_"), std::string::npos);  // no source
  Table table;
  m.setCertificateSource(table.source());
  EXPECT_EQ(m.exposition().find("nomad_certd_certificate_"), std::string::npos);  // empty
  table.rows = {{"web", "server", "a1", "local/cert.pem", "web.service.consul", 1, 2},
                {"db", "server", "c1", "local/cert.pem", "db.service.consul", 1, 2}};
  std::string text = m.exposition();
  EXPECT_NE(text.find("alloc_id=\"a1\""), std::string::npos);
  EXPECT_NE(text.find("alloc_id=\"c1\""), std::string::npos);
  table.rows.pop_back();  // c1 went away
  table.rows[0].notAfterSeconds = 3;
  text = m.exposition();
  EXPECT_EQ(text.find("alloc_id=\"c1\""), std::string::npos);
  EXPECT_NE(text.find("nomad_certd_certificate_expiration_timestamp_seconds{alloc_id=\"a1\","
                      "common_name=\"web.service.consul\",job=\"web\",path=\"local/cert.pem\","
                      "task=\"server\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nomad_certd_certificate_not_before_timestamp_seconds{alloc_id=\"a1\","),
            std::string::npos)
      << text;
}

TEST(Metrics, CertificateLabelValuesAreEscaped) {
  Metrics m;
  Table table{{{"we\"b", "t", "x", "a\\b\nc", "cn", 0.5, 1.75e9}}, {}};
  m.setCertificateSource(table.source());
  const std::string text = m.exposition();
  EXPECT_NE(text.find("job=\"we\\\"b\""), std::string::npos) << text;
  EXPECT_NE(text.find("path=\"a\\\\b\\nc\""), std::string::npos) << text;
  EXPECT_NE(text.find("} 0.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("} 1750000000\n"), std::string::npos) << text;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(Metrics, ManyCertificatesAreOneFamilyEach) {
  Metrics m;  // more series than one serializer slice holds
  Table table;
  table.keep.reserve(2500);
  for (int i = 0; i < 2500; ++i) {
    table.keep.push_back("alloc-" + std::to_string(i));
    table.rows.push_back(
        {"web", "server", table.keep.back(), "secrets/cert.pem", "cn", 1.75e9, 1.75e9 + i});
  }
  m.setCertificateSource(table.source());
  const std::string text = m.exposition();
  for (const char* family : {"nomad_certd_certificate_expiration_timestamp_seconds",
                             "nomad_certd_certificate_not_before_timestamp_seconds"}) {
    EXPECT_EQ(count(text, std::string("# HELP ") + family + " "), 1u) << family;
    EXPECT_EQ(count(text, std::string("# TYPE ") + family + " gauge\n"), 1u) << family;
    EXPECT_EQ(count(text, std::string("\n") + family + "{"), 2500u) << family;
  }
  EXPECT_NE(text.find("alloc_id=\"alloc-2499\",common_name=\"cn\",job=\"web\",path=\"secrets/"
                      "cert.pem\",task=\"server\"} 1750002499\n"),
            std::string::npos);
  std::string path = ::testing::TempDir() + "/nc-metrics-many.txt";
  std::ofstream(path) << text;
  EXPECT_EQ(std::system(("promtool check metrics < " + path + " >/dev/null 2>&1").c_str()), 0);
}

TEST(Metrics, PromtoolFindsNothing) {
  std::string path = ::testing::TempDir() + "/nc-metrics.txt";
  std::ofstream(path) << populated().exposition();
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << out;
}

}  // namespace
}  // namespace nc::health
