// A go-bexpr subset for ?filter=: comparisons and boolean operators over JSON field paths.
#include "bexpr.hpp"

#include <fmt/format.h>

#include <cctype>
#include <regex>
#include <vector>

namespace nc::nomadsim {

struct Filter::Node {
  enum class Kind {
    And,
    Or,
    Not,
    Eq,
    Ne,
    Contains,
    NotContains,
    In,
    NotIn,
    Empty,
    NotEmpty,
    Matches,
    NotMatches
  };
  Kind kind;
  std::shared_ptr<const Node> left, right;
  std::vector<std::string> path;
  std::string value;
};

namespace {

using Node = Filter::Node;
using NodePtr = std::shared_ptr<const Node>;

struct ParseFail {
  std::string msg;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  NodePtr parseAll() {
    NodePtr n = parseOr();
    skip();
    if (i_ < s_.size()) fail("unexpected input");
    return n;
  }

 private:
  static constexpr int kMaxNesting = 100;
  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(const std::string& what) {
    throw ParseFail{fmt::format("1:{} ({}): {}", i_ + 1, i_, what)};
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool keyword(std::string_view kw) {
    skip();
    if (s_.substr(i_, kw.size()) != kw) return false;
    std::size_t e = i_ + kw.size();
    if (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_'))
      return false;
    i_ = e;
    return true;
  }
  bool symbol(std::string_view sym) {
    skip();
    if (s_.substr(i_, sym.size()) != sym) return false;
    i_ += sym.size();
    return true;
  }

  NodePtr parseOr() {
    NodePtr l = parseAnd();
    while (keyword("or")) {
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::Or;
      n->left = l;
      n->right = parseAnd();
      l = n;
    }
    return l;
  }
  NodePtr parseAnd() {
    NodePtr l = parseUnary();
    while (keyword("and")) {
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::And;
      n->left = l;
      n->right = parseUnary();
      l = n;
    }
    return l;
  }
  NodePtr parseUnary() {
    // "not" and parentheses nest by recursion; deeper input is refused, not a stack overflow.
    if (++depth_ > kMaxNesting) fail("expression nested more than 100 levels deep");
    NodePtr n = parseUnaryAt();
    --depth_;
    return n;
  }
  NodePtr parseUnaryAt() {
    if (keyword("not")) {
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::Not;
      n->left = parseUnary();
      return n;
    }
    if (symbol("(")) {
      NodePtr n = parseOr();
      if (!symbol(")")) fail("no match found, expected: \")\"");
      return n;
    }
    return parseMatch();
  }

  std::string parseValue() {
    skip();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '`')) {
      char q = s_[i_++];
      std::string out;
      while (i_ < s_.size() && s_[i_] != q) {
        if (s_[i_] == '\\' && q == '"' && i_ + 1 < s_.size()) ++i_;
        out += s_[i_++];
      }
      if (i_ >= s_.size()) fail("unterminated string");
      ++i_;
      return out;
    }
    std::string out;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              s_[i_] == '-' || s_[i_] == '_')) {
      out += s_[i_++];
    }
    if (out.empty()) fail("no match found, expected a value");
    return out;
  }

  std::vector<std::string> parseSelector() {
    skip();
    std::vector<std::string> path;
    std::string cur;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
        cur += c;
        ++i_;
      } else if (c == '.') {
        path.push_back(cur);
        cur.clear();
        ++i_;
      } else if (c == '[') {
        if (!cur.empty()) path.push_back(cur);
        cur.clear();
        ++i_;
        std::string key = parseValue();
        if (!symbol("]")) fail("no match found, expected: \"]\"");
        path.push_back(key);
      } else {
        break;
      }
    }
    if (!cur.empty()) path.push_back(cur);
    if (path.empty()) fail("no match found, expected: selector");
    return path;
  }

  NodePtr parseMatch() {
    auto n = std::make_shared<Node>();
    skip();
    // "value" in Selector / "value" not in Selector
    if (i_ < s_.size() &&
        (s_[i_] == '"' || s_[i_] == '`' || std::isdigit(static_cast<unsigned char>(s_[i_])))) {
      n->value = parseValue();
      if (keyword("not")) {
        if (!keyword("in")) fail("no match found, expected: \"in\"");
        n->kind = Node::Kind::NotIn;
      } else if (keyword("in")) {
        n->kind = Node::Kind::In;
      } else {
        fail("no match found, expected: \"in\", \"not\"");
      }
      n->path = parseSelector();
      return n;
    }
    n->path = parseSelector();
    if (symbol("=="))
      n->kind = Node::Kind::Eq;
    else if (symbol("!="))
      n->kind = Node::Kind::Ne;
    else if (keyword("contains"))
      n->kind = Node::Kind::Contains;
    else if (keyword("matches"))
      n->kind = Node::Kind::Matches;
    else if (keyword("is")) {
      bool neg = keyword("not");
      if (!keyword("empty")) fail("no match found, expected: \"empty\"");
      n->kind = neg ? Node::Kind::NotEmpty : Node::Kind::Empty;
      return n;
    } else if (keyword("not")) {
      if (keyword("contains"))
        n->kind = Node::Kind::NotContains;
      else if (keyword("matches"))
        n->kind = Node::Kind::NotMatches;
      else
        fail("no match found, expected: \"contains\", \"matches\"");
    } else {
      fail(
          "no match found, expected: \"!=\", \".\", \"==\", \"[\", \"contains\", \"is\", "
          "\"matches\", \"not\"");
    }
    n->value = parseValue();
    return n;
  }
};

std::string text(const Val& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) return fmt::format("{}", v.GetDouble());
  return "";
}

const Val* resolve(const Val& obj, const std::vector<std::string>& path) {
  const Val* cur = &obj;
  for (const auto& p : path) {
    if (cur->IsObject()) {
      cur = member(*cur, p);
      if (cur == nullptr) return nullptr;
    } else if (cur->IsArray() && !p.empty() && std::isdigit(static_cast<unsigned char>(p[0]))) {
      std::size_t i = std::stoul(p);
      if (i >= cur->Size()) return nullptr;
      cur = &(*cur)[static_cast<rapidjson::SizeType>(i)];
    } else {
      return nullptr;
    }
  }
  return cur;
}

bool contains(const Val* v, const std::string& needle) {
  if (v == nullptr) return false;
  if (v->IsString()) return text(*v).find(needle) != std::string::npos;
  if (v->IsArray()) {
    for (const auto& e : v->GetArray()) {
      if (text(e) == needle) return true;
    }
  }
  if (v->IsObject()) return member(*v, needle) != nullptr;
  return false;
}

bool empty(const Val* v) {
  if (v == nullptr || v->IsNull()) return true;
  if (v->IsString()) return v->GetStringLength() == 0;
  if (v->IsArray()) return v->Empty();
  if (v->IsObject()) return v->MemberCount() == 0;
  return false;
}

bool eval(const Node& n, const Val& obj) {
  using K = Node::Kind;
  switch (n.kind) {
    case K::And:
      return eval(*n.left, obj) && eval(*n.right, obj);
    case K::Or:
      return eval(*n.left, obj) || eval(*n.right, obj);
    case K::Not:
      return !eval(*n.left, obj);
    default:
      break;
  }
  const Val* v = resolve(obj, n.path);
  switch (n.kind) {
    case K::Eq:
      return v != nullptr && text(*v) == n.value;
    case K::Ne:
      return v == nullptr || text(*v) != n.value;
    case K::Contains:
    case K::In:
      return contains(v, n.value);
    case K::NotContains:
    case K::NotIn:
      return !contains(v, n.value);
    case K::Empty:
      return empty(v);
    case K::NotEmpty:
      return !empty(v);
    case K::Matches:
    case K::NotMatches: {
      bool m = false;
      try {
        m = v != nullptr && std::regex_search(text(*v), std::regex(n.value));
      } catch (const std::regex_error&) {
      }
      return n.kind == K::Matches ? m : !m;
    }
    default:
      return false;
  }
}

}  // namespace

Result<Filter> Filter::parse(std::string_view expr) {
  try {
    Parser p(expr);
    return Filter(p.parseAll());
  } catch (const ParseFail& f) {
    return makeError(errc::parse_error, f.msg);
  }
}

bool Filter::matches(const Val& object) const {
  return root_ == nullptr || eval(*root_, object);
}

}  // namespace nc::nomadsim
