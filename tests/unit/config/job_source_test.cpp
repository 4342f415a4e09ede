// Job texts released after loading: read back from the file, refused once the file changed.
#include <gtest/gtest.h>

#include "config/job_source.hpp"
#include "config/load.hpp"
#include "config/source_text.hpp"
#include "test_files.hpp"

namespace nc::config {
namespace {

const char* kJob = "job \"web\" {\n  group \"g\" {}\n}\n";

DesiredState withJobFile(const std::filesystem::path& file) {
  DesiredState d;
  JobSpec j;
  j.file = "jobs/web.nomad.hcl";
  j.resolvedPath = file;
  j.id = "web";
  j.source = kJob;
  d.nomad.jobs.push_back(j);
  return d;
}

TEST(JobSource, AKeptTextIsReturnedWithoutReadingTheFile) {
  auto d = withJobFile("/nonexistent/web.nomad.hcl");
  auto text = jobSource(d.nomad.jobs[0]);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, kJob);
}

TEST(JobSource, AReleasedTextIsReadBackAndKeepsItsDigest) {
  test::TempDir dir;
  auto d = withJobFile(dir.write("jobs/web.nomad.hcl", kJob));
  const auto before = jobSourceDigest(d.nomad.jobs[0]);
  releaseJobText(d.nomad.jobs[0]);
  const auto& job = d.nomad.jobs[0];
  EXPECT_TRUE(job.sourceReleased);
  EXPECT_TRUE(job.source.empty());
  EXPECT_EQ(job.source.capacity(), std::string().capacity());  // the memory is given back
  EXPECT_EQ(jobSourceDigest(job), before);
  auto text = jobSource(job);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, kJob);
  releaseJobText(d.nomad.jobs[0]);  // a second release keeps the digest of the loaded text
  EXPECT_EQ(jobSourceDigest(d.nomad.jobs[0]), before);
}

TEST(JobSource, AFileEditedSinceLoadingIsRefusedNamingTheFile) {
  test::TempDir dir;
  const auto file = dir.write("web.nomad.hcl", kJob);
  auto d = withJobFile(file);
  releaseJobText(d.nomad.jobs[0]);
  dir.write("web.nomad.hcl", std::string(kJob) + "# edited\n");
  auto text = jobSource(d.nomad.jobs[0]);
  ASSERT_FALSE(text);
  EXPECT_TRUE(text.error().is(errc::conflict));
  EXPECT_NE(text.error().message.find(file.string()), std::string::npos);
  EXPECT_NE(text.error().message.find("changed since the desired state was loaded"),
            std::string::npos);
}

TEST(JobSource, AFileGrownPastTheLimitIsRefused) {
  test::TempDir dir;
  const auto file = dir.write("web.nomad.hcl", kJob);
  auto d = withJobFile(file);
  releaseJobText(d.nomad.jobs[0]);
  std::filesystem::resize_file(file, kMaxFileBytes + 1);
  auto text = jobSource(d.nomad.jobs[0]);
  ASSERT_FALSE(text);
  EXPECT_TRUE(text.error().is(errc::io_error));
  EXPECT_NE(text.error().message.find("MiB limit"), std::string::npos) << text.error().message;
  EXPECT_NE(text.error().message.find(file.string()), std::string::npos);
}

TEST(JobSource, ARemovedFileIsAnError) {
  test::TempDir dir;
  const auto file = dir.write("web.nomad.hcl", kJob);
  auto d = withJobFile(file);
  releaseJobText(d.nomad.jobs[0]);
  std::filesystem::remove(file);
  auto text = jobSource(d.nomad.jobs[0]);
  ASSERT_FALSE(text);
  EXPECT_TRUE(text.error().is(errc::io_error));
  EXPECT_NE(text.error().message.find(file.string()), std::string::npos);
}

TEST(JobSource, ALoadThatKeepsNoTextsReadsEachJobOnceAndReleasesIt) {
  test::TempDir dir;
  dir.write("jobs/web.nomad.hcl", kJob);
  dir.write("config.yaml", "desired_state: ds.yaml\n");
  dir.write("ds.yaml",
            "version: 1\nnomad:\n  jobs:\n    - file: jobs/web.nomad.hcl\n      certificates:\n"
            "        - {task: t, path: secrets/cert.pem}\n");
  auto kept = loadConfiguration(dir.path() / "config.yaml", std::nullopt, Environment());
  ASSERT_TRUE(kept.ok()) << kept.diagnostics.toString();
  EXPECT_EQ(kept.desired.nomad.jobs.at(0).source, kJob);

  auto released = loadConfiguration(dir.path() / "config.yaml", std::nullopt, Environment(),
                                    LoadOptions{.keepJobTexts = false});
  ASSERT_TRUE(released.ok()) << released.diagnostics.toString();
  const JobSpec& job = released.desired.nomad.jobs.at(0);
  EXPECT_TRUE(job.sourceReleased);
  EXPECT_TRUE(job.source.empty());
  EXPECT_EQ(job.id, "web");  // what the text told is kept
  EXPECT_EQ(job.certificates.size(), 1u);
  EXPECT_EQ(jobSourceDigest(job), jobSourceDigest(kept.desired.nomad.jobs.at(0)));
  auto text = jobSource(job);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, kJob);
}

TEST(JobSource, TheLoadedJobListHasNoGrowthSlack) {
  test::TempDir dir;
  std::string ds = "version: 1\nnomad:\n  jobs:\n";
  for (const char* name : {"a", "b", "c"}) {
    dir.write(std::string("jobs/") + name + ".nomad.hcl",
              std::string("job \"") + name + "\" {\n  group \"g\" {}\n}\n");
    ds += std::string("    - file: jobs/") + name + ".nomad.hcl\n";
  }
  auto loaded = loadDesiredState(dir.write("ds.yaml", ds));
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
  EXPECT_EQ(loaded.value.nomad.jobs.size(), 3u);
  EXPECT_EQ(loaded.value.nomad.jobs.capacity(), 3u);  // the job list stays for the daemon's life
}

}  // namespace
}  // namespace nc::config
