// Tests for nomad-sim's HCL2 parser: syntax, strings, heredocs, comments and error positions.
#include <gtest/gtest.h>

#include "hcl.hpp"

namespace nc::nomadsim::hcl {
namespace {

Body parseOk(std::string_view src) {
  Diagnostics d;
  Body b = parse(src, d);
  EXPECT_TRUE(d.empty()) << joinDiagnostics(d);
  return b;
}

std::string firstError(std::string_view src) {
  Diagnostics d;
  parse(src, d);
  return d.empty() ? "" : d[0].str();
}

std::string literal(const Expr& e) {
  std::string out;
  for (const auto& p : e.parts) out += p.text;
  return out;
}

TEST(HclParser, BlocksLabelsAndAttributes) {
  Body b = parseOk(R"(
job "web" {
  datacenters = ["dc1", "dc2"]   # trailing comment
  group "g" {
    count = 3
  }
  // another comment
  /* block
     comment */
  meta { a = "1" }
}
)");
  ASSERT_EQ(b.blocks.size(), 1u);
  const Block& job = b.blocks[0];
  EXPECT_EQ(job.type, "job");
  ASSERT_EQ(job.labels.size(), 1u);
  EXPECT_EQ(job.labels[0], "web");
  ASSERT_EQ(job.body.attributes.size(), 1u);
  EXPECT_EQ(job.body.attributes[0].name, "datacenters");
  EXPECT_EQ(job.body.attributes[0].expr->kind, Expr::Kind::List);
  EXPECT_EQ(job.body.attributes[0].expr->items.size(), 2u);
  ASSERT_EQ(job.body.blocks.size(), 2u);
  EXPECT_EQ(job.body.blocks[0].body.attributes[0].expr->number, "3");
  EXPECT_EQ(job.body.blocks[1].type, "meta");
  EXPECT_EQ(job.body.attributes[0].nameRange.start.line, 3);
  EXPECT_EQ(job.body.attributes[0].nameRange.start.col, 3);
}

TEST(HclParser, StringEscapesAndInterpolationKeptVerbatim) {
  Body b = parseOk(R"(a = "x\n\t\"q\" \\ \u00e9 ${NOMAD_ALLOC_DIR}/y $${lit} %%{d}")");
  const Expr& e = *b.attributes[0].expr;
  EXPECT_EQ(literal(e), "x\n\t\"q\" \\ \xC3\xA9 ${NOMAD_ALLOC_DIR}/y ${lit} %{d}");
  bool found = false;
  for (const auto& p : e.parts) {
    if (p.interpolation) {
      found = true;
      EXPECT_EQ(p.text, "${NOMAD_ALLOC_DIR}");
      ASSERT_TRUE(p.inner);
      EXPECT_EQ(p.inner->kind, Expr::Kind::Reference);
    }
  }
  EXPECT_TRUE(found);
}

TEST(HclParser, Heredocs) {
  Body b =
      parseOk("a = <<EOF\n  line1\n    {{ .Data }}\nEOF\nb = <<-EOT\n    x\n      y\n    EOT\n");
  EXPECT_EQ(literal(*b.attributes[0].expr), "  line1\n    {{ .Data }}\n");
  EXPECT_EQ(literal(*b.attributes[1].expr), "x\n  y\n");
}

TEST(HclParser, NumbersBoolsNullMapsAndNegatives) {
  Body b = parseOk("n = 1.5\nm = -3\nt = true\nz = null\no = { a = 1, \"b.c\" = \"x\"\n d: [] }\n");
  EXPECT_EQ(b.attributes[0].expr->number, "1.5");
  EXPECT_EQ(b.attributes[1].expr->kind, Expr::Kind::Negate);
  EXPECT_TRUE(b.attributes[2].expr->boolValue);
  EXPECT_EQ(b.attributes[3].expr->kind, Expr::Kind::Null);
  EXPECT_EQ(b.attributes[4].expr->entries.size(), 3u);
}

TEST(HclParser, SyntaxErrorsReportLineAndColumn) {
  EXPECT_EQ(firstError("job \"x\" {\n  a = \n}\n"),
            "input.hcl:2,7-8: Invalid expression; Expected the start of an expression, but found "
            "an invalid expression token.");
  EXPECT_EQ(firstError("job \"x\" {\n  group \"g\" {\n    count = 1\n"),
            "input.hcl:2,13-14: Unclosed configuration block; There is no closing brace for this "
            "block before the end of the file. This may be caused by incorrect brace nesting "
            "elsewhere in this file.");
  EXPECT_EQ(firstError("a = \"unterminated\nb = 1\n"),
            "input.hcl:1,5-6: Unterminated template string; No closing marker was found for the "
            "string.");
  EXPECT_EQ(firstError("x {\n a = 1\n a = 2\n}\n"),
            "input.hcl:3,2-3: Attribute redefined; The argument \"a\" was already set at "
            "input.hcl:2,2-3. Each argument may be set only once.");
  EXPECT_EQ(firstError("a = [1 2]\n"),
            "input.hcl:1,8-9: Missing item separator; Expected a comma to mark the beginning of "
            "the next item.");
  EXPECT_EQ(firstError("job \"x\" {\n  a = 1 b = 2\n}\n"),
            "input.hcl:2,9-10: Missing newline after argument; An argument definition must end "
            "with a newline.");
  EXPECT_EQ(firstError("\n\n= 3\n"),
            "input.hcl:3,1-2: Argument or block definition required; An argument or block "
            "definition is required here.");
  EXPECT_EQ(firstError("a = <<EOF\nno end\n"),
            "input.hcl:1,5-7: Unterminated template string; No closing marker was found for the "
            "heredoc \"EOF\".");
}

// Each nesting level is a recursive call: input a few hundred KB deep crashed nomad-sim.
TEST(HclParser, DeepNestingIsRefusedWithADiagnostic) {
  const int n = 200000;
  const auto wrap = [](const std::string& open, const std::string& inner, const std::string& close,
                       int times) {
    std::string s;
    for (int i = 0; i < times; ++i) s += open;
    s += inner;
    for (int i = 0; i < times; ++i) s += close;
    return s;
  };
  for (const std::string& src :
       {"a = " + wrap("[", "", "]", n) + "\n", "a = " + wrap("(", "1", ")", n) + "\n",
        "a = " + wrap("-", "1", "", n) + "\n", "a = " + wrap("{a = ", "1", "}", n) + "\n",
        wrap("b {\n", "", "}\n", n), "a = \"" + wrap("${", "", "", n) + "\"\n"}) {
    Diagnostics d;
    parse(src, d);
    if (src.starts_with("a = \"")) continue;  // an unterminated ${ only needs not to crash
    ASSERT_FALSE(d.empty()) << src.substr(0, 20);
    EXPECT_NE(d[0].str().find("Nesting too deep"), std::string::npos) << d[0].str();
  }
  {
    // Strings inside "${...}" inside strings: each level is a parser of its own.
    Diagnostics d;
    parse("a = " + wrap("\"${", "1", "}\"", 5000) + "\n", d);
  }
  // 200 levels are still fine.
  parseOk("a = " + wrap("[", "1", "]", 190) + "\n");
  parseOk(wrap("b {\n", "", "}\n", 190));
}

}  // namespace
}  // namespace nc::nomadsim::hcl
