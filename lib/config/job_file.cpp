// Job files: extension, size and text checks; JSON validation; job and task labels.
#include "config/job_file.hpp"

#include "core/json_depth.hpp"

#include <cctype>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace nc::config::detail {
namespace {

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Removes comments and the bodies of strings and heredocs, keeping line structure, so that
// labels inside a template or a comment are not taken for blocks.
std::string hclSkeleton(std::string_view in, bool keepStrings = true) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const char ch = in[i];
    if (ch == '#' || (ch == '/' && i + 1 < in.size() && in[i + 1] == '/')) {
      while (i < in.size() && in[i] != '\n') ++i;
    } else if (ch == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      const std::size_t end = in.find("*/", i + 2);
      i = end == std::string_view::npos ? in.size() : end + 2;
    } else if (ch == '<' && in.substr(i, 2) == "<<") {
      std::size_t j = i + 2;
      if (j < in.size() && in[j] == '-') ++j;
      std::size_t k = j;
      while (k < in.size() && (std::isalnum(static_cast<unsigned char>(in[k])) || in[k] == '_'))
        ++k;
      const std::string marker(in.substr(j, k - j));
      std::size_t lineEnd = in.find('\n', k);
      if (marker.empty() || lineEnd == std::string_view::npos) {
        out += ch;
        ++i;
        continue;
      }
      out += "\"\"\n";
      std::size_t p = lineEnd + 1;
      while (p < in.size()) {
        std::size_t e = in.find('\n', p);
        if (e == std::string_view::npos) e = in.size();
        std::string_view line = in.substr(p, e - p);
        const std::size_t first = line.find_first_not_of(" \t");
        p = e + 1;
        out += '\n';
        if (first != std::string_view::npos && line.substr(first) == marker) break;
      }
      i = p;
    } else if (ch == '"') {
      out += '"';
      ++i;
      while (i < in.size() && in[i] != '"' && in[i] != '\n') {
        if (in[i] == '\\' && i + 1 < in.size()) ++i;
        out += keepStrings || in[i] == '\n' ? in[i] : ' ';
        ++i;
      }
      if (i < in.size() && in[i] == '"') {
        out += '"';
        ++i;
      }
    } else {
      out += ch;
      ++i;
    }
  }
  return out;
}

// Position (offset) of the first brace that has no partner outside strings, comments and
// heredocs, or npos when they balance.
std::size_t unbalancedBrace(std::string_view text) {
  const std::string s = hclSkeleton(text, false);
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') open.push_back(i);
    if (s[i] == '}') {
      if (open.empty()) return i;
      open.pop_back();
    }
  }
  return open.empty() ? std::string_view::npos : open.front();
}

}  // namespace

std::vector<std::string> hclBlockLabels(std::string_view text, std::string_view blockType) {
  // A plain scan for `<type> "<label>" {`. Not std::regex: libstdc++ matches recursively, one
  // stack frame per character, so a label or a run of spaces a few hundred KB long overflowed
  // the stack.
  const std::string s = hclSkeleton(text);
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  const auto skipSpace = [&](std::size_t i) {
    while (i < s.size() && space(s[i])) ++i;
    return i;
  };
  std::vector<std::string> labels;
  if (blockType.empty()) return labels;
  std::size_t at = s.find(blockType);
  while (at != std::string::npos) {
    std::size_t next = at + 1;
    if (at == 0 || space(s[at - 1]) || s[at - 1] == '{' || s[at - 1] == '}') {
      const std::size_t afterType = at + blockType.size();
      std::size_t i = skipSpace(afterType);
      if (i > afterType && i < s.size() && s[i] == '"') {
        const std::size_t open = i + 1;
        const std::size_t close = s.find('"', open);
        if (close != std::string::npos && close > open) {
          i = skipSpace(close + 1);
          if (i < s.size() && s[i] == '{') {
            labels.push_back(s.substr(open, close - open));
            next = i + 1;
          }
        }
      }
    }
    at = s.find(blockType, next);
  }
  return labels;
}

std::optional<JobFileInfo> readJobFile(const std::filesystem::path& path,
                                       const std::string& displayName, const FileReference& ref,
                                       Diagnostics& diags) {
  const std::string name = path.filename().string();
  JobFileInfo info;
  if (endsWith(name, ".json")) {
    info.format = JobFormat::json;
  } else if (endsWith(name, ".hcl") || endsWith(name, ".nomad")) {
    info.format = JobFormat::hcl;
  } else {
    diags.error(ref.where, ref.field,
                "job file \"" + displayName +
                    "\" must end in .nomad.hcl, .hcl, .nomad (HCL) or .json (JSON job)");
    return std::nullopt;
  }
  auto src = readSourceFile(path, displayName, diags, ref);
  if (!src) return std::nullopt;
  info.source = src->text;

  if (info.format == JobFormat::hcl) {
    if (auto at = unbalancedBrace(info.source); at != std::string_view::npos) {
      auto [line, col] = lineColumnAt(info.source, at);
      diags.error({displayName, line, col}, ref.field,
                  info.source[at] == '{' ? "unbalanced braces: this \"{\" is never closed"
                                         : "unbalanced braces: this \"}\" closes nothing");
      return std::nullopt;
    }
    const auto jobs = hclBlockLabels(info.source, "job");
    if (jobs.size() != 1) {
      diags.error(ref.where, ref.field,
                  "\"" + displayName +
                      "\" must contain exactly one job \"<id>\" { ... } block, found " +
                      std::to_string(jobs.size()));
      return std::nullopt;
    }
    info.id = jobs.front();
    info.taskNames = hclBlockLabels(info.source, "task");
    return info;
  }

  if (auto at = jsonTooDeepAt(info.source, 256)) {
    auto [line, col] = lineColumnAt(info.source, *at);
    diags.error({displayName, line, col}, ref.field,
                "invalid JSON in job file: nested deeper than 256 levels");
    return std::nullopt;
  }
  rapidjson::Document doc;
  doc.Parse(info.source.c_str(), info.source.size());
  if (doc.HasParseError()) {
    auto [line, col] = lineColumnAt(info.source, doc.GetErrorOffset());
    diags.error({displayName, line, col}, ref.field,
                std::string("invalid JSON in job file: ") +
                    rapidjson::GetParseError_En(doc.GetParseError()));
    return std::nullopt;
  }
  const rapidjson::Value* job = nullptr;
  if (doc.IsObject() && doc.HasMember("Job") && doc["Job"].IsObject())
    job = &doc["Job"];
  else if (doc.IsObject() && doc.HasMember("ID"))
    job = &doc;
  if (!job) {
    diags.error(
        {displayName, 1, 1}, ref.field,
        "a JSON job file must be an object with a \"Job\" object ({\"Job\": {\"ID\": ...}})");
    return std::nullopt;
  }
  if (!job->HasMember("ID") || !(*job)["ID"].IsString() || (*job)["ID"].GetStringLength() == 0) {
    diags.error({displayName, 1, 1}, ref.field, "the JSON job has no \"ID\" string");
    return std::nullopt;
  }
  info.id = (*job)["ID"].GetString();
  if (job->HasMember("TaskGroups") && (*job)["TaskGroups"].IsArray())
    for (const auto& g : (*job)["TaskGroups"].GetArray())
      if (g.IsObject() && g.HasMember("Tasks") && g["Tasks"].IsArray())
        for (const auto& t : g["Tasks"].GetArray())
          if (t.IsObject() && t.HasMember("Name") && t["Name"].IsString())
            info.taskNames.emplace_back(t["Name"].GetString());
  return info;
}

}  // namespace nc::config::detail
