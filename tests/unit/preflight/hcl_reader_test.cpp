// Tests of the minimal HCL reader and the Go template scanner used by preflight.
#include <gtest/gtest.h>

#include "preflight/go_template.hpp"
#include "preflight/hcl_reader.hpp"

namespace nc::preflight {
namespace {

TEST(HclReader, BlocksAttributesHeredocsAndLists) {
  const char* text = R"(# comment
variable "x" { default = ["*"] }
job "j" {
  type = "batch" // trailing
  /* block
     comment */
  group "g" {
    task "t" {
      vault { role = "r" }
      template {
        destination = "${NOMAD_ALLOC_DIR}/a.pem"
        data        = <<-EOT
          line one
            indented "quoted"
        EOT
      }
      config {
        args = ["-c", "echo ${X}",
                "two"]
        obj  = { a = "b" }
      }
    }
  }
}
)";
  auto doc = readHcl(text);
  ASSERT_TRUE(doc) << doc.error().message;
  auto jobs = doc->children("job");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]->labels.at(0), "j");
  EXPECT_EQ(jobs[0]->attr("type")->text, "batch");
  const auto* task = jobs[0]->children("group")[0]->children("task")[0];
  EXPECT_EQ(task->children("vault")[0]->attr("role")->text, "r");
  const auto* tpl = task->children("template")[0];
  EXPECT_EQ(tpl->attr("destination")->text, "${NOMAD_ALLOC_DIR}/a.pem");
  EXPECT_EQ(tpl->attr("data")->text, "line one\n  indented \"quoted\"\n");
  EXPECT_EQ(tpl->attr("data")->valueLine, 13);
  EXPECT_EQ(tpl->line, 10);
  const auto* args = task->children("config")[0]->attr("args");
  ASSERT_TRUE(args->isList);
  EXPECT_EQ(args->list, (std::vector<std::string>{"-c", "echo ${X}", "two"}));
}

TEST(HclReader, ErrorsNameTheLine) {
  auto r = readHcl("job \"a\" {\n  group \"g\" {\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not closed"), std::string::npos);
  auto s = readHcl("a = \"unterminated\nb = 1\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("line 1"), std::string::npos);
  EXPECT_FALSE(readHcl("x = <<EOT\nno end\n"));
  EXPECT_FALSE(readHcl("}"));
}

TEST(GoTemplate, SecretCallsAreEvaluated) {
  auto scan = scanTemplate(
      "{{ with secret \"pki/issue/r\" (printf \"common_name=%s.svc\" (env \"NOMAD_JOB_NAME\")) "
      "\"ttl=1h\" (env \"UNSET\") }}\n{{ .Data.certificate }}{{ end }}",
      {{"NOMAD_JOB_NAME", "web"}});
  ASSERT_EQ(scan.secrets.size(), 1u);
  const auto& s = scan.secrets[0];
  EXPECT_EQ(s.path, "pki/issue/r");
  ASSERT_EQ(s.args.size(), 3u);
  EXPECT_EQ(s.args[0], "common_name=web.svc");
  EXPECT_EQ(s.args[1], "ttl=1h");
  EXPECT_FALSE(s.args[2].has_value());
  EXPECT_TRUE(scan.issues.empty());
  EXPECT_EQ(scan.printedFields, std::vector<std::string>{".Data.certificate"});
}

TEST(GoTemplate, CustomDelimitersAndConstantRendering) {
  auto scan = scanTemplate("[[ env \"A\" ]] {{ not an action", {{"A", "x"}}, "[[", "]]");
  EXPECT_TRUE(scan.issues.empty());
  EXPECT_EQ(
      renderConstant("a=[[ env \"A\" ]] b=[[ .X ]] c=[[ \"lit\" ]]", {{"A", "x"}}, "[[", "]]"),
      "a=x b=UNKNOWN c=lit");
}

TEST(GoTemplate, CommentsAndTrimMarkersAreNotIssues) {
  auto scan = scanTemplate("{{/* note */}}{{- if true -}}x{{- end -}}", {});
  EXPECT_TRUE(scan.issues.empty());
}

}  // namespace
}  // namespace nc::preflight
