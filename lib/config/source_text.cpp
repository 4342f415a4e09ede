// File reading with the checks every configuration input needs.
#include "config/source_text.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <vector>

namespace nc::config {
namespace {

constexpr const char* kRoot = "<root>";

std::string hexByte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Offset of the first byte that makes the text non-text (NUL, other control bytes except
// tab/CR/LF, or invalid UTF-8), or npos.
std::size_t firstBinaryByte(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
      if (c == 0x7f) return i;
      ++i;
      continue;
    }
    std::size_t n = 0;
    if ((c & 0xe0) == 0xc0 && c >= 0xc2)
      n = 1;
    else if ((c & 0xf0) == 0xe0)
      n = 2;
    else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
      n = 3;
    else
      return i;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

SourceRef placeOf(const std::string& display, const std::optional<FileReference>& ref) {
  return ref ? ref->where : SourceRef{display, 1, 1};
}

std::string fieldOf(const std::optional<FileReference>& ref) {
  return ref ? ref->field : kRoot;
}

}  // namespace

std::pair<int, int> lineColumnAt(std::string_view text, std::size_t offset) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

std::optional<SourceText> readSourceFile(const std::filesystem::path& path, std::string displayName,
                                         Diagnostics& diags,
                                         const std::optional<FileReference>& ref, bool allowEmpty) {
  const SourceRef at = placeOf(displayName, ref);
  const std::string field = fieldOf(ref);
  const std::string quoted = "\"" + displayName + "\"";
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  const std::string resolved =
      ref && absolute != displayName ? " (resolved to " + absolute + ")" : std::string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    diags.error(at, field, "cannot read " + quoted + resolved + ": no such file");
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    diags.error(at, field, quoted + resolved + " is a directory, not a file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(at, field, "cannot open " + quoted + resolved + ": permission denied");
    return std::nullopt;
  }
  // Read in chunks and stop once past the cap, so special files (pipes, /dev/zero) cannot make
  // us read forever. (Sizing a buffer to the cap up front cost a 4 MiB allocation and memset
  // per file: seconds at 10k job files.)
  std::string text;
  std::array<char, 64 * 1024> chunk;
  while (text.size() <= kMaxFileBytes) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = in.gcount();
    if (got <= 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(got));
  }
  if (text.size() > kMaxFileBytes) {
    diags.error(at, field,
                quoted + " is larger than the " + std::to_string(kMaxFileBytes / (1024 * 1024)) +
                    " MiB limit for configuration files");
    return std::nullopt;
  }
  if (!allowEmpty && isBlankYaml(text)) {
    diags.error(at, field, quoted + " is empty");
    return std::nullopt;
  }
  if (auto bad = firstBinaryByte(text); bad != std::string_view::npos) {
    auto [line, col] = lineColumnAt(text, bad);
    SourceRef where{displayName, line, col};
    diags.error(ref ? at : where, ref ? field : outlinePath(text, line),
                quoted + " is not a text file (byte " +
                    hexByte(static_cast<unsigned char>(text[bad])) + " at line " +
                    std::to_string(line) + ", column " + std::to_string(col) +
                    "; expected UTF-8 text)");
    return std::nullopt;
  }
  return SourceText{path, std::move(displayName), std::move(text)};
}

bool isBlankYaml(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (text.substr(i, 3) == "---" || text.substr(i, 3) == "...") {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

std::string outlinePath(std::string_view text, int targetLine) {
  struct Frame {
    int indent;
    std::string key;
    int seqIndent = -1;
    int index = -1;
  };
  std::vector<Frame> frames;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos <= text.size() && lineNo < targetLine) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    int indent = 0;
    while (static_cast<std::size_t>(indent) < line.size() &&
           (line[indent] == ' ' || line[indent] == '\t'))
      ++indent;
    std::string_view c = line.substr(static_cast<std::size_t>(indent));
    if (c.empty() || c.front() == '#') continue;
    while (c == "-" || c.starts_with("- ")) {
      std::erase_if(frames, [&](const Frame& f) { return f.indent > indent; });
      if (!frames.empty()) {
        auto& parent = frames.back();
        if (parent.seqIndent == indent) {
          ++parent.index;
        } else {
          parent.seqIndent = indent;
          parent.index = 0;
        }
      }
      std::size_t skip = 1;
      while (skip < c.size() && c[skip] == ' ') ++skip;
      indent += static_cast<int>(skip);
      c = c.substr(std::min(skip, c.size()));
    }
    const std::size_t colon = c.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    if (colon + 1 < c.size() && c[colon + 1] != ' ' && c[colon + 1] != '\t') continue;
    std::string key(c.substr(0, colon));
    if (key.front() == '"' || key.front() == '\'' || key.front() == '{' || key.front() == '[')
      continue;
    std::erase_if(frames, [&](const Frame& f) { return f.indent >= indent; });
    frames.push_back({indent, std::move(key)});
  }
  std::string out;
  for (const auto& f : frames) {
    if (!out.empty()) out += '.';
    out += f.key;
    if (f.index >= 0 && &f != &frames.back()) out += "[" + std::to_string(f.index) + "]";
  }
  return out.empty() ? kRoot : out;
}

bool checkYamlTabs(const SourceText& src, Diagnostics& diags) {
  bool found = false;
  std::string_view text = src.text;
  std::size_t pos = 0;
  int lineNo = 0;
  bool inBlockScalar = false;
  int blockIndent = -1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t tab = line.substr(0, i).find('\t');
    // Inside a literal block (|, >) leading tabs after the indentation are content.
    if (inBlockScalar) {
      const std::size_t spaces = line.find_first_not_of(' ');
      if (i == line.size() ||
          (spaces != std::string_view::npos && static_cast<int>(spaces) > blockIndent))
        continue;
      inBlockScalar = false;
    }
    if (tab != std::string_view::npos && i < line.size() && line[i] != '#') {
      diags.error({src.displayName, lineNo, static_cast<int>(tab) + 1}, outlinePath(text, lineNo),
                  "tab character in indentation (YAML allows only spaces)");
      found = true;
    }
    const std::string_view trimmed = line.substr(0, line.find_last_not_of(" \r") + 1);
    if (trimmed.ends_with("|") || trimmed.ends_with(">") || trimmed.ends_with("|-") ||
        trimmed.ends_with(">-")) {
      inBlockScalar = true;
      blockIndent = static_cast<int>(line.find_first_not_of(" \t"));
    }
  }
  return found;
}

}  // namespace nc::config
