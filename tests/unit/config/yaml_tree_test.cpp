// The compact YAML tree against yaml-cpp's own node tree: same shape, text, places and
// plainness for the example files and for hand-picked corner cases.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "config/yaml_tree.hpp"
#include "test_files.hpp"

namespace nc::config::detail {
namespace {

void expectSame(const YAML::Node& want, const YamlNode& got, const std::string& at) {
  ASSERT_EQ(want.Mark().line, got.Line()) << at;
  ASSERT_EQ(want.Mark().column, got.Column()) << at;
  switch (want.Type()) {
    case YAML::NodeType::Null:
      ASSERT_TRUE(got.IsNull()) << at;
      break;
    case YAML::NodeType::Scalar:
      ASSERT_TRUE(got.IsScalar()) << at;
      ASSERT_EQ(want.Scalar(), got.Scalar()) << at;
      ASSERT_EQ(want.Tag() == "?", got.IsPlain()) << at;
      break;
    case YAML::NodeType::Sequence:
      ASSERT_TRUE(got.IsSequence()) << at;
      ASSERT_EQ(want.size(), got.size()) << at;
      for (std::size_t i = 0; i < want.size(); ++i)
        expectSame(want[i], got[i], at + "[" + std::to_string(i) + "]");
      break;
    case YAML::NodeType::Map: {
      ASSERT_TRUE(got.IsMap()) << at;
      ASSERT_EQ(want.size(), got.size()) << at;
      auto g = got.begin();
      for (auto w = want.begin(); w != want.end(); ++w, ++g) {
        ASSERT_NE(g, got.end()) << at;
        expectSame(w->first, g->first, at + ".<key>");
        expectSame(w->second, g->second, at + "." + w->first.Scalar());
      }
      EXPECT_EQ(g, got.end()) << at;
      break;
    }
    default:
      FAIL() << "undefined node at " << at;
  }
}

void expectSameTree(const std::string& text) {
  YamlStream s = readYamlStream(text);
  ASSERT_EQ(s.documents, 1u);
  expectSame(YAML::Load(text), s.first->root(), "<root>");
}

TEST(YamlTree, EveryExampleFileReadsAsYamlCppReadsIt) {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::repoConfigDir())) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    SCOPED_TRACE(entry.path().string());
    expectSameTree(text.str());
    ++files;
  }
  EXPECT_GE(files, 2);
}

TEST(YamlTree, CornerCasesReadAsYamlCppReadsThem) {
  for (const char* text : {
           "a: 1\nb: \"true\"\nc: 'x'\nd: !!str 5\ne:\nf: ~\ng: null\n",
           "- [1, 2, {x: y}]\n- {}\n- []\n- - nested\n  - list\n",
           "k: |\n  line one\n  line two\n\nother: >\n  folded\n  text\n",
           "same: 1\nsame: 2\n",  // duplicates are kept, in order
           "? [complex, key]\n: value\n",
           "base: &b {x: 1, y: [a, b]}\nuse: *b\nlist: [*b, *b]\n",
           "just a scalar\n",
           "---\n",
       }) {
    SCOPED_TRACE(text);
    expectSameTree(text);
  }
}

TEST(YamlTree, AnAliasIsTheAnchoredNodeNotACopy) {
  YamlStream s = readYamlStream("base: &b {x: 1}\nuse: *b\n");
  const YamlNode root = s.first->root();
  auto it = root.begin();
  const YamlNode base = it->second;
  ++it;
  const YamlNode use = it->second;
  EXPECT_EQ(use.Line(), base.Line());
  EXPECT_EQ(use.Column(), base.Column());
  EXPECT_EQ(use.begin()->second.Scalar(), "1");
}

TEST(YamlTree, LaterDocumentsAreCountedNotBuilt) {
  YamlStream s = readYamlStream("a: 1\n---\nb: 2\n---\nc: 3\n");
  EXPECT_EQ(s.documents, 3u);
  ASSERT_TRUE(s.first->root().IsMap());
  EXPECT_EQ(s.first->root().size(), 1u);
  EXPECT_EQ(s.first->root().begin()->first.Scalar(), "a");
  EXPECT_EQ(readYamlStream("").documents, 0u);
  EXPECT_EQ(readYamlStream("# only a comment\n").documents, 0u);
}

TEST(YamlTree, OutOfRangeAndWrongKindAskNothingOfTheDocument) {
  YamlStream s = readYamlStream("[a]\n");
  const YamlNode seq = s.first->root();
  EXPECT_EQ(seq[1].Type(), YamlNode::Kind::undefined);
  EXPECT_EQ(seq[1].Line(), -1);
  EXPECT_EQ(seq[0].size(), 0u);
  EXPECT_EQ(seq.begin(), seq.end());  // not a map: no entries
  EXPECT_EQ(seq.Scalar(), "");
  EXPECT_FALSE(seq.IsPlain());
  const YamlNode none;
  EXPECT_EQ(none.Type(), YamlNode::Kind::undefined);
  EXPECT_EQ(none.size(), 0u);
  const YamlNode empty = YamlNode::emptyMap();
  EXPECT_TRUE(empty.IsMap());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_EQ(empty.Line(), -1);
}

TEST(YamlTree, SyntaxErrorsAreYamlCppExceptionsWithTheirPlace) {
  try {
    readYamlStream("a: [1, 2\nb: 3\n");
    FAIL() << "no exception";
  } catch (const YAML::Exception& e) {
    EXPECT_FALSE(e.mark.is_null());
  }
  YamlStream stuck = readYamlStream("\n , \n");
  ASSERT_TRUE(stuck.stuckAt);
  EXPECT_EQ(stuck.stuckAt->line, 1);
}

}  // namespace
}  // namespace nc::config::detail
