// Go template scanning for preflight: actions, control-structure balance, constant evaluation.
#include "preflight/go_template.hpp"

#include <algorithm>
#include <cctype>

namespace nc::preflight {
namespace {

struct Token {
  enum Kind { string, open, close, pipe, word } kind;
  std::string text;
};

// Splits an action's text into tokens; `nestedAt` reports a left delimiter inside a string.
std::vector<Token> tokenize(std::string_view a, std::string_view left, bool& nested, bool& bad) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < a.size()) {
    char c = a[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"' || c == '`') {
      std::string s;
      ++i;
      while (i < a.size() && a[i] != c) {
        if (c == '"' && a[i] == '\\' && i + 1 < a.size()) {
          char e = a[++i];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          s += a[i];
        }
        ++i;
      }
      if (i >= a.size()) bad = true;
      ++i;
      if (s.find(left) != std::string::npos) nested = true;
      out.push_back({Token::string, std::move(s)});
    } else if (c == '(') {
      out.push_back({Token::open, "("}), ++i;
    } else if (c == ')') {
      out.push_back({Token::close, ")"}), ++i;
    } else if (c == '|') {
      out.push_back({Token::pipe, "|"}), ++i;
    } else {
      std::size_t b = i;
      while (i < a.size() && !std::isspace(static_cast<unsigned char>(a[i])) && a[i] != '(' &&
             a[i] != ')' && a[i] != '|' && a[i] != '"' && a[i] != '`')
        ++i;
      std::string w(a.substr(b, i - b));
      if (w.find('{') != std::string::npos || w.find('}') != std::string::npos) bad = true;
      out.push_back({Token::word, std::move(w)});
    }
  }
  return out;
}

std::string printfConst(const std::string& fmt, const std::vector<std::string>& args) {
  std::string out;
  std::size_t k = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '%' && i + 1 < fmt.size()) {
      char v = fmt[++i];
      if (v == '%')
        out += '%';
      else if (k < args.size())
        out += args[k++];
      continue;
    }
    out += fmt[i];
  }
  return out;
}

struct Evaluator {
  const std::vector<Token>& t;
  const TemplateEnv& env;
  std::size_t i = 0;

  // One operand: a string, a parenthesised call, or a word (unknown).
  std::optional<std::string> operand() {
    if (i >= t.size()) return std::nullopt;
    const Token& tok = t[i++];
    if (tok.kind == Token::string) return tok.text;
    if (tok.kind == Token::open) {
      auto v = call();
      while (i < t.size() && t[i].kind != Token::close) ++i;  // skip what call() left
      if (i < t.size()) ++i;
      return v;
    }
    return std::nullopt;
  }

  // A call inside parentheses: printf and env of constants, else unknown.
  std::optional<std::string> call() {
    if (i >= t.size() || t[i].kind != Token::word) return std::nullopt;
    std::string fn = t[i++].text;
    std::vector<std::optional<std::string>> args;
    while (i < t.size() && t[i].kind != Token::close && t[i].kind != Token::pipe)
      args.push_back(operand());
    if (i < t.size() && t[i].kind == Token::pipe) return std::nullopt;
    for (const auto& a : args)
      if (!a) return std::nullopt;
    if (fn == "env" && args.size() == 1) {
      auto it = env.find(*args[0]);
      if (it == env.end()) return std::nullopt;
      return it->second;
    }
    if (fn == "printf" && !args.empty()) {
      std::vector<std::string> rest;
      for (std::size_t k = 1; k < args.size(); ++k) rest.push_back(*args[k]);
      return printfConst(*args[0], rest);
    }
    if (fn == "print" && args.size() == 1) return *args[0];
    return std::nullopt;
  }
};

int lineAt(std::string_view text, std::size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// Finds the end of the action starting after `from` (the right delimiter), skipping strings.
std::size_t actionEnd(std::string_view text, std::size_t from, std::string_view right) {
  for (std::size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"' || c == '`') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != c && !(c == '"' && text[j] == '\n')) {
        if (c == '"' && text[j] == '\\') ++j;
        ++j;
      }
      i = j;
      continue;
    }
    if (text.substr(i, right.size()) == right) return i;
  }
  return std::string_view::npos;
}

template <class F>
void forEachAction(std::string_view text, std::string_view left, std::string_view right, F&& f) {
  std::size_t pos = 0;
  while ((pos = text.find(left, pos)) != std::string_view::npos) {
    std::size_t end = actionEnd(text, pos + left.size(), right);
    if (!f(pos, end)) return;
    pos = end + right.size();
  }
}

std::string_view trimAction(std::string_view a) {
  if (!a.empty() && a.front() == '-') a.remove_prefix(1);
  if (!a.empty() && a.back() == '-') a.remove_suffix(1);
  while (!a.empty() && std::isspace(static_cast<unsigned char>(a.front()))) a.remove_prefix(1);
  while (!a.empty() && std::isspace(static_cast<unsigned char>(a.back()))) a.remove_suffix(1);
  return a;
}

}  // namespace

TemplateScan scanTemplate(std::string_view text, const TemplateEnv& env, std::string_view left,
                          std::string_view right) {
  TemplateScan scan;
  std::vector<std::pair<std::string, int>> open;  // control structures awaiting {{ end }}
  forEachAction(text, left, right, [&](std::size_t pos, std::size_t end) {
    scan.hasActions = true;
    int line = lineAt(text, pos);
    if (end == std::string_view::npos) {
      scan.issues.push_back({"template-unbalanced",
                             "action opened with " + std::string(left) + " is never closed with " +
                                 std::string(right),
                             line});
      return false;
    }
    std::string_view body = trimAction(text.substr(pos + left.size(), end - pos - left.size()));
    if (body.starts_with("/*")) return true;
    bool nested = false, bad = false;
    auto toks = tokenize(body, left, nested, bad);
    if (nested)
      scan.issues.push_back({"template-nested-action",
                             "a string argument contains " + std::string(left) +
                                 ": actions do not nest; build the string with printf instead",
                             line});
    if (bad || body.find(left) != std::string_view::npos)
      scan.issues.push_back(
          {"template-unbalanced", "malformed action: " + std::string(body.substr(0, 60)), line});
    if (toks.empty()) return true;
    const std::string& first = toks[0].text;
    if (toks[0].kind == Token::word) {
      if (first == "if" || first == "with" || first == "range" || first == "block" ||
          first == "define")
        open.emplace_back(first, line);
      else if (first == "end") {
        if (open.empty())
          scan.issues.push_back(
              {"template-unbalanced", "{{ end }} without an opening action", line});
        else
          open.pop_back();
      }
      if (toks.size() == 1 && first.starts_with(".")) {
        scan.printedFields.push_back(first);
        if (first.ends_with(".ca_chain"))
          scan.issues.push_back({"template-list-printed",
                                 first + " is a list; printing it writes Go's [a b] form, not PEM",
                                 line});
      }
    }
    for (std::size_t k = 0; k < toks.size(); ++k) {
      if (toks[k].kind != Token::word || (toks[k].text != "secret" && toks[k].text != "pkiCert"))
        continue;
      Evaluator ev{toks, env, k + 1};
      auto path = ev.operand();
      if (!path) continue;
      SecretCall call;
      call.path = *path;
      call.line = line;
      std::size_t argsFrom = ev.i;
      while (ev.i < toks.size() && toks[ev.i].kind != Token::close &&
             toks[ev.i].kind != Token::pipe)
        call.args.push_back(ev.operand());
      for (std::size_t j = argsFrom; j < ev.i; ++j) call.argsText += toks[j].text + " ";
      scan.secrets.push_back(std::move(call));
    }
    return true;
  });
  for (const auto& [what, line] : open)
    scan.issues.push_back(
        {"template-unbalanced", "{{ " + what + " }} is never closed by {{ end }}", line});
  return scan;
}

std::string renderConstant(std::string_view text, const TemplateEnv& env, std::string_view left,
                           std::string_view right, std::string_view unknown) {
  std::string out;
  std::size_t last = 0;
  forEachAction(text, left, right, [&](std::size_t pos, std::size_t end) {
    if (end == std::string_view::npos) return false;
    out.append(text.substr(last, pos - last));
    std::string_view body = trimAction(text.substr(pos + left.size(), end - pos - left.size()));
    bool nested = false, bad = false;
    auto toks = tokenize(body, left, nested, bad);
    toks.insert(toks.begin(), {Token::open, "("});
    toks.push_back({Token::close, ")"});
    Evaluator ev{toks, env, 0};
    auto v = toks.size() == 3 && toks[1].kind == Token::string ? std::optional(toks[1].text)
                                                               : ev.operand();
    out += v ? *v : std::string(unknown);
    last = end + right.size();
    return true;
  });
  out.append(text.substr(std::min(last, text.size())));
  return out;
}

}  // namespace nc::preflight
