// Tests for the jobspec mapping: config/jobs goldens, field names, defaults and HCL errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jobspec.hpp"

namespace nc::nomadsim {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Doc parseOk(std::string_view hcl, bool canonicalize = false, std::string vars = "") {
  auto r = parseJobspec(hcl, {canonicalize, std::move(vars)});
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
  if (!r.has_value()) return Doc();
  return std::move(r.value());
}

std::string parseErr(std::string_view hcl) {
  auto r = parseJobspec(hcl, {});
  EXPECT_FALSE(r.has_value());
  return r.has_value() ? "" : r.error().message;
}

// Every job file in config/jobs parses (plain and canonicalized) to its reviewed golden JSON.
TEST(Jobspec, ConfigJobsMatchGoldens) {
  fs::path jobs = fs::path(NC_SOURCE_DIR) / "config/jobs";
  fs::path goldens = fs::path(NC_SOURCE_DIR) / "tests/unit/nomad_sim/golden";
  bool update = std::getenv("NC_UPDATE_GOLDEN") != nullptr;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(jobs)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 10 || name.substr(name.size() - 10) != ".nomad.hcl") continue;
    std::string base = name.substr(0, name.size() - 10);
    for (bool canon : {false, true}) {
      SCOPED_TRACE(name + (canon ? " canonical" : " plain"));
      Doc job = parseOk(readFile(entry.path()), canon);
      fs::path golden = goldens / (base + (canon ? ".canonical.json" : ".json"));
      std::string got = toJson(job, true) + "\n";
      if (update) {
        fs::create_directories(goldens);
        std::ofstream(golden, std::ios::binary) << got;
      }
      ASSERT_TRUE(fs::exists(golden)) << golden;
      auto want = parseJson(readFile(golden));
      ASSERT_TRUE(want.has_value());
      EXPECT_TRUE(job == want.value()) << got;
    }
    ++count;
  }
  EXPECT_GE(count, 3);
}

TEST(Jobspec, FieldNamesVaultCopyAndIdentities) {
  Doc job = parseOk(R"(
job "j" {
  vault { role = "r" }
  group "g" {
    task "a" {
      driver = "docker"
      identity { aud = ["nomadproject.io"] }
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }
      template {
        destination = "secrets/x"
        data = "{{ env \"NOMAD_JOB_NAME\" }}"
      }
    }
    task "b" {
      vault { role = "other" }
    }
  }
}
)");
  const Val& t = job["TaskGroups"][0]["Tasks"][0];
  EXPECT_EQ(getString(job, "ID"), "j");
  EXPECT_EQ(getString(job, "Name"), "j");
  EXPECT_TRUE(job["Datacenters"].IsNull());
  EXPECT_TRUE(job["Priority"].IsNull());
  EXPECT_EQ(getString(t["Vault"], "Role"), "r");
  EXPECT_TRUE(t["Vault"]["Env"].GetBool());
  EXPECT_EQ(getString(t["Vault"], "ChangeMode"), "restart");
  EXPECT_EQ(getString(t["Identity"], "Name"), "");
  ASSERT_EQ(t["Identities"].Size(), 1u);
  EXPECT_EQ(getString(t["Identities"][0], "Name"), "vault_default");
  EXPECT_EQ(getInt(t["Identities"][0], "TTL"), 3600000000000LL);
  EXPECT_EQ(getString(t["Identities"][0]["Audience"][0], "x", ""), "");
  EXPECT_EQ(std::string(t["Identities"][0]["Audience"][0].GetString()), "vault.io");
  EXPECT_EQ(getString(t["Templates"][0], "EmbeddedTmpl"), "{{ env \"NOMAD_JOB_NAME\" }}");
  EXPECT_EQ(getInt(t["Templates"][0], "Splay"), 5000000000LL);
  EXPECT_EQ(getString(t["Templates"][0], "Perms"), "0644");
  EXPECT_TRUE(t["Templates"][0]["LeftDelim"].IsNull());
  EXPECT_EQ(getString(job["TaskGroups"][0]["Tasks"][1]["Vault"], "Role"), "other");
}

TEST(Jobspec, CanonicalDefaults) {
  Doc job = parseOk(R"(
job "b" {
  type = "batch"
  group "g" {
    restart { attempts = 1 }
    task "t" {
      template {
        data = "x"
        change_mode = "signal"
      }
      vault {}
    }
  }
}
)",
                    true);
  EXPECT_EQ(getInt(job, "Priority"), 50);
  EXPECT_EQ(getString(job, "Region"), "global");
  EXPECT_EQ(getString(job, "Namespace"), "default");
  EXPECT_TRUE(job["Update"].IsNull());  // batch jobs get no default update strategy
  EXPECT_TRUE(job["Datacenters"].IsNull());
  const Val& g = job["TaskGroups"][0];
  EXPECT_EQ(getInt(g, "Count"), 1);
  EXPECT_EQ(getInt(g["RestartPolicy"], "Attempts"), 1);
  EXPECT_EQ(getInt(g["RestartPolicy"], "Interval"), 24LL * 3600 * 1000000000LL);
  EXPECT_EQ(getString(g["ReschedulePolicy"], "DelayFunction"), "constant");
  EXPECT_EQ(getInt(g["EphemeralDisk"], "SizeMB"), 300);
  EXPECT_TRUE(g["Migrate"].IsNull());
  const Val& t = g["Tasks"][0];
  EXPECT_EQ(getInt(t["Resources"], "CPU"), 100);
  EXPECT_EQ(getInt(t["Resources"], "MemoryMB"), 300);
  EXPECT_EQ(getInt(t, "KillTimeout"), 5000000000LL);
  EXPECT_EQ(getInt(t["LogConfig"], "MaxFiles"), 10);
  EXPECT_EQ(getInt(t["RestartPolicy"], "Attempts"), 1);
  EXPECT_EQ(getString(t["Templates"][0], "ChangeSignal"), "SIGHUP");
  EXPECT_EQ(getString(t["Templates"][0], "LeftDelim"), "{{");
  EXPECT_EQ(getString(t["Vault"], "Cluster"), "default");
  EXPECT_EQ(getString(t["Vault"], "ChangeSignal"), "SIGHUP");

  Doc svc = parseOk("job \"s\" {\n group \"g\" {\n task \"t\" {}\n }\n}\n", true);
  EXPECT_EQ(getInt(svc["Update"], "MaxParallel"), 1);
  EXPECT_EQ(getInt(svc["TaskGroups"][0]["Update"], "HealthyDeadline"), 300000000000LL);
  EXPECT_EQ(getInt(svc["TaskGroups"][0]["RestartPolicy"], "Attempts"), 2);
  EXPECT_TRUE(svc["TaskGroups"][0]["ReschedulePolicy"]["Unlimited"].GetBool());
  EXPECT_EQ(getInt(svc["TaskGroups"][0]["Migrate"], "MaxParallel"), 1);
}

TEST(Jobspec, VariablesPortsConstraintsAndRuntimeInterpolation) {
  Doc job = parseOk(R"(
variable "dcs" {
  type    = list(string)
  default = ["a"]
}
variable "img" { default = "x" }
job "v" {
  datacenters = var.dcs
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  constraint { distinct_hosts = true }
  group "g" {
    network {
      port "http" { to = 8080 }
      port "admin" { static = 9000 }
    }
    task "t" {
      config {
        image = "${var.img}:1"
        args  = ["${NOMAD_TASK_DIR}/a", var.img]
        mount {
          type = "bind"
        }
      }
      env { PORT = 8080 }
    }
  }
}
)",
                    false, "img = \"override\"\n");
  EXPECT_EQ(std::string(job["Datacenters"][0].GetString()), "a");
  EXPECT_EQ(getString(job["Constraints"][0], "LTarget"), "${attr.kernel.name}");
  EXPECT_EQ(getString(job["Constraints"][0], "Operand"), "=");
  EXPECT_EQ(getString(job["Constraints"][1], "Operand"), "distinct_hosts");
  EXPECT_EQ(getString(job["Constraints"][1], "RTarget"), "true");
  const Val& net = job["TaskGroups"][0]["Networks"][0];
  EXPECT_EQ(getString(net["DynamicPorts"][0], "Label"), "http");
  EXPECT_EQ(getInt(net["DynamicPorts"][0], "To"), 8080);
  EXPECT_EQ(getInt(net["ReservedPorts"][0], "Value"), 9000);
  const Val& t = job["TaskGroups"][0]["Tasks"][0];
  EXPECT_EQ(getString(t["Config"], "image"), "override:1");
  EXPECT_EQ(std::string(t["Config"]["args"][0].GetString()), "${NOMAD_TASK_DIR}/a");
  EXPECT_EQ(std::string(t["Config"]["args"][1].GetString()), "override");
  EXPECT_EQ(getString(t["Config"]["mount"][0], "type"), "bind");
  EXPECT_EQ(getString(t["Env"], "PORT"), "8080");
}

TEST(Jobspec, ErrorsCarryLineNumbers) {
  EXPECT_EQ(parseErr("job \"x\" {\n  group \"g\" {\n    bogus = 1\n  }\n}\n"),
            "input.hcl:3,5-10: Unsupported argument; An argument named \"bogus\" is not expected "
            "here.");
  EXPECT_EQ(
      parseErr("job \"x\" {\n  group \"g\" {\n    task \"t\" {\n      templat {}\n    }\n  }\n}\n"),
      "input.hcl:4,7-14: Unsupported block type; Blocks of type \"templat\" are not expected "
      "here.");
  EXPECT_EQ(parseErr("job \"x\" {\n  group {\n  }\n}\n"),
            "input.hcl:2,3-8: Missing name for group; All group blocks must have 1 labels (name).");
  EXPECT_EQ(parseErr("job \"x\" {\n  group \"g\" {\n    count = \"many\"\n  }\n}\n"),
            "input.hcl:3,13-19: Incorrect attribute value type; Inappropriate value for attribute "
            "\"count\": a number is required.");
  EXPECT_EQ(parseErr("job \"x\" {\n  update {\n    stagger = \"5 s\"\n  }\n}\n"),
            "input.hcl:3,15-20: Unsuitable value type; Unsuitable duration value: time: invalid "
            "duration \"5 s\"");
  EXPECT_EQ(parseErr("job \"x\" {\n  datacenters = var.nope\n}\n"),
            "input.hcl:2,17-25: Reference to undeclared input variable; An input variable with the "
            "name \"nope\" has not been declared.");
  EXPECT_EQ(parseErr("variable \"a\" {}\n"),
            "input.hcl:1,1-13: Unset variable \"a\"; A used variable must be set or have a default "
            "value; see https://packer.io/docs/configuration/from-1.5/syntax for details.");
  EXPECT_EQ(parseErr("# nothing\n"), "Missing job block; A job block is required");
  EXPECT_EQ(parseErr("job \"x\" {\n group \"g\" {\n  task \"t\" {\n   lifecycle {}\n  }\n }\n}\n"),
            "input.hcl:4,14-14: Missing required argument; The argument \"hook\" is required, but "
            "no definition was found.");
}

}  // namespace
}  // namespace nc::nomadsim
