// Tests for the env-only template renderer: text, env actions, trim markers, delimiters.
#include <gtest/gtest.h>

#include "template_env.hpp"

namespace nc::nomadsim {
namespace {

const std::map<std::string, std::string> kEnv = {{"NOMAD_JOB_NAME", "web"},
                                                 {"NOMAD_ALLOC_ID", "a-1"}};

TEST(TemplateEnv, RendersEnvActionsAndText) {
  EXPECT_EQ(renderEnvTemplate(
                R"({"job": "{{ env "NOMAD_JOB_NAME" }}", "alloc": "{{env "NOMAD_ALLOC_ID"}}"})",
                "{{", "}}", kEnv),
            R"({"job": "web", "alloc": "a-1"})");
  EXPECT_EQ(renderEnvTemplate("plain\n", "{{", "}}", kEnv), "plain\n");
  EXPECT_EQ(renderEnvTemplate("[{{ env \"MISSING\" }}]", "{{", "}}", kEnv), "[]");
}

TEST(TemplateEnv, TrimMarkersAndCustomDelimiters) {
  EXPECT_EQ(renderEnvTemplate("a  \n  {{- env \"NOMAD_JOB_NAME\" -}}  \n b", "{{", "}}", kEnv),
            "awebb");
  EXPECT_EQ(renderEnvTemplate("job [[ env \"NOMAD_JOB_NAME\" ]] keeps {{ .Data.certificate }}",
                              "[[", "]]", kEnv),
            "job web keeps {{ .Data.certificate }}");
}

TEST(TemplateEnv, RefusesWhatItCannotEvaluate) {
  EXPECT_FALSE(renderEnvTemplate(
      "{{ with secret \"pki/issue/x\" }}{{ .Data.certificate }}{{ end }}", "{{", "}}", kEnv));
  EXPECT_FALSE(renderEnvTemplate("{{ env \"A\" ", "{{", "}}", kEnv));
}

}  // namespace
}  // namespace nc::nomadsim
