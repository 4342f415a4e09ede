// Parsing a YAML file into one document, with yaml-cpp's failures turned into diagnostics.
#include <algorithm>
#include <optional>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>

#include "config/yaml_reader.hpp"

namespace nc::config::detail {
namespace {

// Counts the documents of a stream with yaml-cpp's event parser. yaml-cpp 0.7 (Debian 12) does
// not consume a token that cannot start a node (a ',' at the top level, e.g. "\n , "): each
// HandleNextDocument call then reports another empty document at the same place, and LoadAll
// loops forever allocating nodes (upstream issue 1040, fixed after 0.8). A document that starts
// where the previous one did is that token; it is reported instead of looped on.
struct DocumentCount {
  std::size_t documents = 0;
  std::optional<YAML::Mark> stuckAt;
};

class DocumentCounter final : public YAML::EventHandler {
 public:
  DocumentCount count;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (last_ && last_->pos == mark.pos) count.stuckAt = mark;
    last_ = mark;
    ++count.documents;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::optional<YAML::Mark> last_;
};

DocumentCount countDocuments(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  while (!counter.count.stuckAt && parser.HandleNextDocument(counter)) {
  }
  return counter.count;
}

}  // namespace

std::optional<YAML::Node> parseYaml(const SourceText& src, Diagnostics& diags) {
  try {
    const DocumentCount count = countDocuments(src.text);
    if (count.stuckAt) {
      const YAML::Mark& m = *count.stuckAt;
      const auto pos = static_cast<std::size_t>(std::max(m.pos, 0));
      const std::string token = pos < src.text.size() ? src.text.substr(pos, 1) : "";
      // Only a document's first token can be left unconsumed, so the place is always its root.
      diags.error({src.displayName, m.line + 1, m.column + 1}, "<root>",
                  "invalid YAML: unexpected \"" + token + "\" where a value should start" +
                      (token == "," ? " (a ',' separates items inside [ ] or { })" : ""));
      return std::nullopt;
    }
    if (count.documents != 1) {
      diags.error({src.displayName, 1, 1}, "<root>",
                  "expected one YAML document, found " + std::to_string(count.documents));
      return std::nullopt;
    }
    return YAML::Load(src.text);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 1 : e.mark.column + 1;
    diags.error({src.displayName, line, col}, outlinePath(src.text, line),
                "invalid YAML: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace nc::config::detail
