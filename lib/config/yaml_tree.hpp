// Internal to lib/config: a parsed YAML document as one compact table of nodes, built from
// yaml-cpp's parser events. yaml-cpp's own node tree costs ~60 allocations per job entry of a
// desired state (41 MB for 10k jobs, more than the daemon then keeps); this is ~30 bytes a node.
// YamlNode answers the questions the loaders ask of yaml-cpp's YAML::Node, with its names.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/mark.h>

namespace nc::config::detail {

class YamlDocument;
class YamlMapIterator;

/// A node of a YamlDocument (a handle: the document must outlive it). A default node is
/// undefined, like a missing key.
class YamlNode {
 public:
  enum class Kind : std::uint8_t { undefined, null, scalar, sequence, map };

  YamlNode() = default;
  /// An empty mapping that belongs to no document (an absent optional section).
  static YamlNode emptyMap();

  Kind Type() const;
  bool IsNull() const { return Type() == Kind::null; }
  bool IsScalar() const { return Type() == Kind::scalar; }
  bool IsSequence() const { return Type() == Kind::sequence; }
  bool IsMap() const { return Type() == Kind::map; }
  /// The scalar's text; empty for any other node.
  const std::string& Scalar() const;
  /// False for a quoted or tagged scalar: "true" in quotes is a string, not a boolean.
  bool IsPlain() const;
  /// 0-based position of the node's first character; -1 when unknown.
  int Line() const;
  int Column() const;
  /// Items of a sequence, entries of a mapping.
  std::size_t size() const;
  /// The i-th item of a sequence.
  YamlNode operator[](std::size_t i) const;

  /// A mapping's entries in document order (duplicate keys included), as {key, value}.
  YamlMapIterator begin() const;
  YamlMapIterator end() const;

 private:
  friend class YamlDocument;
  friend class YamlMapIterator;
  YamlNode(const YamlDocument* doc, std::uint32_t index) : doc_(doc), index_(index) {}
  const YamlDocument* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

class YamlMapIterator {
 public:
  using value_type = std::pair<YamlNode, YamlNode>;
  using difference_type = std::ptrdiff_t;
  YamlMapIterator(const YamlDocument* doc, std::size_t at) : doc_(doc), at_(at) {}
  value_type operator*() const;
  struct Arrow {
    value_type entry;
    const value_type* operator->() const { return &entry; }
  };
  Arrow operator->() const { return {**this}; }
  YamlMapIterator& operator++() {
    at_ += 2;
    return *this;
  }
  bool operator==(const YamlMapIterator&) const = default;

 private:
  const YamlDocument* doc_;
  std::size_t at_;  // index of the key in the document's child table
};

/// One YAML document. Aliases refer to their anchored node (shared, never copied), as in
/// yaml-cpp's tree.
class YamlDocument {
 public:
  YamlNode root() const { return YamlNode(this, rootIndex_); }

 private:
  friend class YamlNode;
  friend class YamlMapIterator;
  friend class YamlTreeBuilder;
  struct Record {
    YamlNode::Kind kind = YamlNode::Kind::null;
    bool plain = true;
    int line = -1, column = -1;
    std::uint32_t scalar = 0;  // into scalars_
    std::uint32_t first = 0;   // into children_: a sequence's items, a map's keys and values
    std::uint32_t count = 0;   // entries in children_ (a map has two per key)
  };
  std::vector<Record> nodes_;
  std::vector<std::uint32_t> children_;
  std::vector<std::string> scalars_;
  std::uint32_t rootIndex_ = 0;
};

/// A YAML stream read with yaml-cpp's parser: its first document as a tree, the rest counted.
struct YamlStream {
  std::unique_ptr<YamlDocument> first;
  std::size_t documents = 0;
  /// yaml-cpp 0.7 does not consume a token that cannot start a node (a ',' at the top level):
  /// each call then reports another empty document at the same place (upstream issue 1040).
  /// Reading stops there, and this is that place.
  std::optional<YAML::Mark> stuckAt;
};

/// Throws YAML::Exception on a syntax error, with its place.
YamlStream readYamlStream(const std::string& text);

}  // namespace nc::config::detail
