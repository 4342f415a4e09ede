// Tests for the plan diff: None for identical jobs, Edited with the right field, annotations.
#include <gtest/gtest.h>

#include "job_diff.hpp"
#include "jobspec.hpp"
#include "server_job.hpp"

namespace nc::nomadsim {
namespace {

const char* kJob = R"(
job "web" {
  group "g" {
    count = 2
    task "t" {
      driver = "docker"
      kill_timeout = "5s"
      config { image = "nginx:1" }
      env { A = "1" }
      template {
        destination = "secrets/c.pem"
        data = "x"
      }
    }
  }
}
)";

Doc job(std::string_view from = "", std::string_view to = "") {
  std::string src = kJob;
  if (!from.empty()) src.replace(src.find(from), from.size(), to);
  return std::move(admitJob(parseJobspec(src, {}).value(), {}).value());
}

const Val* findByName(const Val& list, std::string_view name) {
  if (!list.IsArray()) return nullptr;
  for (const auto& e : list.GetArray()) {
    if (getString(e, "Name") == name) return &e;
  }
  return nullptr;
}

TEST(JobDiff, IdenticalIsNone) {
  Doc a = job(), b = job();
  setMember(a, "Version", Val(3), a.GetAllocator());  // server fields are ignored
  setMember(a, "JobModifyIndex", Val(99), a.GetAllocator());
  Doc d = jobDiff(&a, &b);
  EXPECT_EQ(getString(d, "Type"), "None");
  EXPECT_EQ(getString(d["TaskGroups"][0], "Type"), "None");
  EXPECT_EQ(getString(d["TaskGroups"][0]["Tasks"][0], "Type"), "None");
  EXPECT_TRUE(d["Fields"].IsNull());
}

TEST(JobDiff, NewJobIsAddedWithForcesCreate) {
  Doc b = job();
  Doc d = jobDiff(nullptr, &b);
  EXPECT_EQ(getString(d, "Type"), "Added");
  auto upd = annotateDiff(d, nullptr, b, d.GetAllocator());
  EXPECT_EQ(upd["g"].place, 2u);
  const Val& tg = d["TaskGroups"][0];
  EXPECT_EQ(getString(tg, "Type"), "Added");
  EXPECT_EQ(getInt(tg["Updates"], "create"), 2);
  EXPECT_EQ(std::string(tg["Tasks"][0]["Annotations"][0].GetString()), "forces create");
}

TEST(JobDiff, TemplateChangeIsDestructiveEdit) {
  Doc a = job(), b = job("data = \"x\"", "data = \"y\"");
  Doc d = jobDiff(&a, &b);
  EXPECT_EQ(getString(d, "Type"), "Edited");
  const Val& task = d["TaskGroups"][0]["Tasks"][0];
  EXPECT_EQ(getString(task, "Type"), "Edited");
  const Val* tmpl = findByName(task["Objects"], "Template");
  ASSERT_NE(tmpl, nullptr);
  EXPECT_EQ(getString(*tmpl, "Type"), "Edited");
  const Val* f = findByName((*tmpl)["Fields"], "EmbeddedTmpl");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(getString(*f, "Type"), "Edited");
  EXPECT_EQ(getString(*f, "Old"), "x");
  EXPECT_EQ(getString(*f, "New"), "y");
  const Val* perms = findByName((*tmpl)["Fields"], "Perms");  // contextual: unchanged fields too
  ASSERT_NE(perms, nullptr);
  EXPECT_EQ(getString(*perms, "Type"), "None");
  annotateDiff(d, &a, b, d.GetAllocator());
  EXPECT_EQ(std::string(d["TaskGroups"][0]["Tasks"][0]["Annotations"][0].GetString()),
            "forces create/destroy update");
  EXPECT_EQ(getInt(d["TaskGroups"][0]["Updates"], "create/destroy update"), 2);
}

TEST(JobDiff, FieldsEnvConfigCountAndInPlace) {
  Doc a = job();
  Doc env = job("A = \"1\"", "A = \"2\"");
  Doc d = jobDiff(&a, &env);
  const Val* f = findByName(d["TaskGroups"][0]["Tasks"][0]["Fields"], "Env[A]");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(getString(*f, "Old"), "1");

  Doc cfg = job("nginx:1", "nginx:2");
  Doc dc = jobDiff(&a, &cfg);
  const Val* config = findByName(dc["TaskGroups"][0]["Tasks"][0]["Objects"], "Config");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(getString((*config)["Fields"][0], "Name"), "image");

  Doc count = job("count = 2", "count = 5");
  Doc dn = jobDiff(&a, &count);
  annotateDiff(dn, &a, count, dn.GetAllocator());
  const Val* cf = findByName(dn["TaskGroups"][0]["Fields"], "Count");
  ASSERT_NE(cf, nullptr);
  EXPECT_EQ(getString(*cf, "New"), "5");
  EXPECT_EQ(std::string((*cf)["Annotations"][0].GetString()), "forces create");
  EXPECT_EQ(getInt(dn["TaskGroups"][0]["Updates"], "create"), 3);
  EXPECT_EQ(getInt(dn["TaskGroups"][0]["Updates"], "ignore"), 2);

  Doc kt = job("kill_timeout = \"5s\"", "kill_timeout = \"9s\"");
  Doc dk = jobDiff(&a, &kt);
  annotateDiff(dk, &a, kt, dk.GetAllocator());
  EXPECT_EQ(std::string(dk["TaskGroups"][0]["Tasks"][0]["Annotations"][0].GetString()),
            "forces in-place update");
  const Val* kf = findByName(dk["TaskGroups"][0]["Tasks"][0]["Fields"], "KillTimeout");
  ASSERT_NE(kf, nullptr);
  EXPECT_EQ(getString(*kf, "New"), "9000000000");
}

}  // namespace
}  // namespace nc::nomadsim
