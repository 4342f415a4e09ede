// The Go text/template subset: secret/with/range/printf/env/toJSON, trim markers, delimiters,
// Go's printing of lists and maps, and error cases.
#include <gtest/gtest.h>

#include "go_template.hpp"

namespace nc::nomadsim {
namespace {

class GoTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = std::move(parseJson(R"({"lease_id":"","lease_duration":0,"renewable":false,
      "data":{"certificate":"CERT","private_key":"KEY","ca_chain":["INT","ROOT"],"expiration":1700000000,
              "meta":{"b":"2","a":"1"},"empty":[]}})")
                            .value());
    funcs_.env = [](const std::string& n) {
      return n == "NOMAD_JOB_NAME" ? std::string("web") : std::string();
    };
    funcs_.secret = [this](const std::string& path,
                           const std::vector<std::string>& params) -> const Val* {
      calls_.push_back(path);
      for (const auto& p : params) calls_.back() += " " + p;
      return fetched_ ? &secret_ : nullptr;
    };
  }
  std::string render(const std::string& t, const std::string& l = "{{",
                     const std::string& r = "}}") {
    auto out = renderGoTemplate(t, l, r, funcs_);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    return out ? out.value() : "<error>";
  }
  Doc secret_;
  TemplateFuncs funcs_;
  std::vector<std::string> calls_;
  bool fetched_ = true;
};

TEST_F(GoTemplateTest, SecretWithPrintfAndEnvPassesParams) {
  const std::string t =
      "{{- with secret \"pki-int/issue/nomad-job\" (printf \"common_name=%s.service.consul\" (env "
      "\"NOMAD_JOB_NAME\")) "
      "\"ttl=24h\" -}}\n{{ .Data.certificate }}\n{{- end }}\n";
  EXPECT_EQ(render(t), "CERT\n");
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0], "pki-int/issue/nomad-job common_name=web.service.consul ttl=24h");
}

TEST_F(GoTemplateTest, UnfetchedSecretSkipsWithBody) {
  fetched_ = false;
  EXPECT_EQ(render("a{{ with secret \"p\" }}{{ .Data.certificate }}{{ else }}none{{ end }}b"),
            "anoneb");
  EXPECT_TRUE(templateUsesSecret("{{ with secret \"p\" }}x{{ end }}", "{{", "}}"));
  EXPECT_FALSE(templateUsesSecret("{{ env \"A\" }}", "{{", "}}"));
}

TEST_F(GoTemplateTest, RangeOverChainAndGoPrintOfLists) {
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ range .Data.ca_chain }}{{ . }}\n{{ end }}{{ end }}"),
            "INT\nROOT\n");
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ .Data.ca_chain }}{{ end }}"), "[INT ROOT]");
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ .Data.meta }}{{ end }}"), "map[a:1 b:2]");
  EXPECT_EQ(
      render("{{ with secret \"p\" }}{{ range .Data.empty }}x{{ else }}empty{{ end }}{{ end }}"),
      "empty");
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ .Data.missing }}{{ end }}"), "<no value>");
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ .Data.expiration }}{{ .LeaseID }}{{ end }}"),
            "1700000000");
}

TEST_F(GoTemplateTest, ToJsonIsCompactAndHtmlSafe) {
  EXPECT_EQ(render("{{ with secret \"p\" }}{{ .Data.ca_chain | toJSON }}{{ end }}"),
            "[\"INT\",\"ROOT\"]");
  EXPECT_EQ(render("{{ \"a<b\" | toJSON }}"), "\"a\\u003cb\"");
}

TEST_F(GoTemplateTest, CustomDelimitersLeaveBracesLiteral) {
  EXPECT_EQ(render("{{ keep }} [[ env \"NOMAD_JOB_NAME\" ]]", "[[", "]]"), "{{ keep }} web");
  EXPECT_EQ(render("{{ \"{{\" }} with secret {{ \"}}\" }}"), "{{ with secret }}");
}

TEST_F(GoTemplateTest, TrimMarkersCommentsAndIfElse) {
  EXPECT_EQ(render("a  {{- /* c */ -}}  b"), "ab");
  EXPECT_EQ(render("{{ if eq (env \"NOMAD_JOB_NAME\") \"web\" }}yes{{ else if true }}no{{ end }}"),
            "yes");
  EXPECT_EQ(render("{{ if false }}1{{ else if true }}2{{ else }}3{{ end }}"), "2");
  EXPECT_EQ(render("{{ printf \"%s-%d%%\" \"x\" 5 }}"), "x-5%");
}

TEST_F(GoTemplateTest, ErrorsAreReported) {
  EXPECT_FALSE(renderGoTemplate("{{ pkiCert \"x\" }}", "{{", "}}", funcs_));
  EXPECT_FALSE(renderGoTemplate("{{ with secret \"p\" }}x", "{{", "}}", funcs_));
  EXPECT_FALSE(renderGoTemplate("{{ end }}", "{{", "}}", funcs_));
  EXPECT_FALSE(renderGoTemplate("{{ \"x\" ", "{{", "}}", funcs_));
  auto unknown = renderGoTemplate("{{ nope }}", "{{", "}}", funcs_);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("function \"nope\" not defined"), std::string::npos);
}

// Each level is a recursive call in the parser and the renderer: 200k levels crashed nomad-sim.
TEST_F(GoTemplateTest, DeepNestingIsAnErrorNotACrash) {
  const auto nested = [](int n) {
    std::string ifs, parens = "{{ ";
    for (int i = 0; i < n; ++i) ifs += "{{if true}}";
    ifs += "x";
    for (int i = 0; i < n; ++i) ifs += "{{end}}";
    for (int i = 0; i < n; ++i) parens += "(";
    parens += "print 1";
    for (int i = 0; i < n; ++i) parens += ")";
    return std::pair{ifs, parens + " }}"};
  };
  for (const std::string& t : {nested(200000).first, nested(200000).second}) {
    auto out = renderGoTemplate(t, "{{", "}}", funcs_);
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().message.find("nested more than 500 levels deep"), std::string::npos)
        << out.error().message;
  }
  EXPECT_EQ(render(nested(100).first), "x");
  EXPECT_EQ(render(nested(100).second), "1");
}

}  // namespace
}  // namespace nc::nomadsim
