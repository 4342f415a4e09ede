// The scanner's specs made from the desired state: one per declared certificate, the daemon's
// defaults filled in, and held without growth slack (they stay for the daemon's life).
#include <gtest/gtest.h>

#include "cert_watch.hpp"

namespace nc::cli {
namespace {

TEST(CertificateSpecs, EveryDeclaredCertificateWithTheDaemonsDefaults) {
  config::DaemonConfig cfg;
  cfg.nomad.nomadNamespace = "apps";
  cfg.certificates.warnBefore = config::ThresholdSpec{"72h", {}, {}};
  config::DesiredState d;
  config::PkiRoleSpec role;
  role.mount = "pki-web";
  role.name = "nomad-job";
  d.vault.pkiRoles.push_back(role);
  for (int i = 0; i < 3; ++i) {
    config::JobSpec job;
    job.id = "job-" + std::to_string(i);
    if (i == 1) job.jobNamespace = "prod";
    config::CertificateSpec c;
    c.task = "app";
    c.path = "secrets/cert.pem";
    c.commonName = job.id + ".service.consul";
    job.certificates = {c, c};
    job.certificates[1].criticalBefore = config::ThresholdSpec{"10%", {}, 0.1};
    d.nomad.jobs.push_back(job);
  }
  const auto specs = certificateSpecs(cfg, d);
  ASSERT_EQ(specs->size(), 6u);
  EXPECT_EQ(specs->capacity(), specs->size());
  const certs::CertificateSpec& first = (*specs)[0];
  EXPECT_EQ(first.job, "job-0");
  EXPECT_EQ(first.nomadNamespace, "apps");
  EXPECT_EQ(first.commonName, "job-0.service.consul");
  EXPECT_EQ(first.caMount, "pki-web");
  ASSERT_TRUE(first.warnBefore);
  EXPECT_FALSE(first.criticalBefore);
  EXPECT_TRUE((*specs)[1].criticalBefore);
  EXPECT_EQ((*specs)[2].nomadNamespace, "prod");
  EXPECT_EQ((*specs)[5].job, "job-2");
}

}  // namespace
}  // namespace nc::cli
