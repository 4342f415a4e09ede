// YamlDocument built from yaml-cpp's parser events, and the YamlNode handle over it.
#include "config/yaml_tree.hpp"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace nc::config::detail {

YamlNode YamlNode::emptyMap() {
  static const YamlDocument kEmpty = [] {
    YamlDocument d;
    d.nodes_.push_back({.kind = Kind::map});
    return d;
  }();
  return YamlNode(&kEmpty, 0);
}

YamlNode::Kind YamlNode::Type() const {
  return doc_ ? doc_->nodes_[index_].kind : Kind::undefined;
}

const std::string& YamlNode::Scalar() const {
  static const std::string kNone;
  return IsScalar() ? doc_->scalars_[doc_->nodes_[index_].scalar] : kNone;
}

bool YamlNode::IsPlain() const {
  return IsScalar() && doc_->nodes_[index_].plain;
}

int YamlNode::Line() const {
  return doc_ ? doc_->nodes_[index_].line : -1;
}

int YamlNode::Column() const {
  return doc_ ? doc_->nodes_[index_].column : -1;
}

std::size_t YamlNode::size() const {
  if (IsSequence()) return doc_->nodes_[index_].count;
  if (IsMap()) return doc_->nodes_[index_].count / 2;
  return 0;
}

YamlNode YamlNode::operator[](std::size_t i) const {
  if (!IsSequence() || i >= size()) return {};
  return YamlNode(doc_, doc_->children_[doc_->nodes_[index_].first + i]);
}

YamlMapIterator::value_type YamlMapIterator::operator*() const {
  return {YamlNode(doc_, doc_->children_[at_]), YamlNode(doc_, doc_->children_[at_ + 1])};
}

YamlMapIterator YamlNode::begin() const {
  if (!IsMap()) return {doc_, 0};
  return {doc_, doc_->nodes_[index_].first};
}

YamlMapIterator YamlNode::end() const {
  if (!IsMap()) return {doc_, 0};
  const auto& r = doc_->nodes_[index_];
  return {doc_, std::size_t{r.first} + r.count};
}

// Builds the stream's first document; later documents are only counted. A container's
// children are collected on a stack and copied out when it ends, so each container's children
// sit together in the child table (nested containers end first).
class YamlTreeBuilder final : public YAML::EventHandler {
 public:
  YamlStream out;

  YamlTreeBuilder() { out.first = std::make_unique<YamlDocument>(); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (last_ && last_->pos == mark.pos) out.stuckAt = mark;
    last_ = mark;
    ++out.documents;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (building()) add(record(YamlNode::Kind::null, mark, anchor));
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    if (building() && anchor < anchors_.size()) add(anchors_[anchor]);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!building()) return;
    const std::uint32_t i = record(YamlNode::Kind::scalar, mark, anchor);
    auto& r = doc().nodes_[i];
    r.plain = tag == "?" || tag.empty();
    r.scalar = static_cast<std::uint32_t>(doc().scalars_.size());
    doc().scalars_.push_back(value);
    add(i);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    if (building()) open(record(YamlNode::Kind::sequence, mark, anchor));
  }
  void OnSequenceEnd() override {
    if (building()) close();
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    if (building()) open(record(YamlNode::Kind::map, mark, anchor));
  }
  void OnMapEnd() override {
    if (building()) close();
  }

  YamlStream finish() {
    if (doc().nodes_.empty()) doc().nodes_.push_back({});  // no node at all: a null root
    doc().nodes_.shrink_to_fit();
    doc().children_.shrink_to_fit();
    doc().scalars_.shrink_to_fit();
    return std::move(out);
  }

 private:
  struct Open {
    std::uint32_t node;
    std::size_t from;  // where its children start in pending_
  };
  std::optional<YAML::Mark> last_;
  std::vector<std::uint32_t> anchors_{0};  // anchor id -> node
  std::vector<Open> open_;
  std::vector<std::uint32_t> pending_;

  YamlDocument& doc() { return *out.first; }
  bool building() const { return out.documents == 1; }

  std::uint32_t record(YamlNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    const auto i = static_cast<std::uint32_t>(doc().nodes_.size());
    doc().nodes_.push_back({.kind = kind, .line = mark.line, .column = mark.column});
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, 0);
      anchors_[anchor] = i;
    }
    return i;
  }
  void add(std::uint32_t node) {
    if (open_.empty())
      doc().rootIndex_ = node;
    else
      pending_.push_back(node);
  }
  void open(std::uint32_t node) { open_.push_back({node, pending_.size()}); }
  void close() {
    const Open o = open_.back();
    open_.pop_back();
    auto& r = doc().nodes_[o.node];
    r.first = static_cast<std::uint32_t>(doc().children_.size());
    r.count = static_cast<std::uint32_t>(pending_.size() - o.from);
    doc().children_.insert(doc().children_.end(), pending_.begin() + static_cast<long>(o.from),
                           pending_.end());
    pending_.resize(o.from);
    add(o.node);
  }
};

YamlStream readYamlStream(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  YamlTreeBuilder builder;
  while (!builder.out.stuckAt && parser.HandleNextDocument(builder)) {
  }
  return builder.finish();
}

}  // namespace nc::config::detail
