// Diffs of policies (canonical text), mounts and Nomad plan diffs; ignore_differences matching.
#include <sstream>

#include "reconcile/diff.hpp"

namespace nc::reconcile {
namespace {

// Glob match where '*' never crosses a '.' or '[' (one path segment).
bool globMatch(std::string_view pat, std::string_view s) {
  if (pat.empty()) return s.empty();
  if (pat.front() == '*') {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (globMatch(pat.substr(1), s.substr(i))) return true;
      if (i < s.size() && (s[i] == '.' || s[i] == '[' || s[i] == ']')) break;
    }
    return false;
  }
  return !s.empty() && pat.front() == s.front() && globMatch(pat.substr(1), s.substr(1));
}

std::string firstDifferentLine(const std::string& a, const std::string& b, std::string* other) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ha = static_cast<bool>(std::getline(sa, la));
    const bool hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha) la = "<end>";
    if (!hb) lb = "<end>";
    if (!ha && !hb) break;
    if (la != lb) {
      *other = lb;
      return la;
    }
  }
  *other = "";
  return "";
}

void walkFields(const std::vector<nomad::FieldDiff>& fields, const std::string& prefix,
                const std::vector<std::string>& ignore, std::vector<FieldDelta>& out) {
  for (const auto& f : fields) {
    if (f.type == "None") continue;
    const std::string path = prefix + f.name;
    if (isIgnored(path, ignore)) continue;
    out.push_back({path, f.type == "Deleted" ? "<absent>" : f.newValue,
                   f.type == "Added" ? "<absent>" : f.oldValue});
  }
}

void walkObject(const nomad::ObjectDiff& o, const std::string& path,
                const std::vector<std::string>& ignore, std::vector<FieldDelta>& out) {
  if (o.type == "None" || isIgnored(path, ignore)) return;
  const std::size_t before = out.size();
  walkFields(o.fields, path + ".", ignore, out);
  for (const auto& child : o.objects) walkObject(child, path + "." + child.name, ignore, out);
  if (out.size() == before && o.fields.empty() && o.objects.empty())
    out.push_back({path, o.type == "Deleted" ? "<absent>" : "(object)",
                   o.type == "Added" ? "<absent>" : "(object)"});
}

}  // namespace

bool isIgnored(std::string_view path, const std::vector<std::string>& ignore) {
  for (const auto& entry : ignore) {
    if (globMatch(entry, path)) return true;
    // Prefix at a segment boundary: "Meta" covers "Meta[owner]", "config" covers "config.x".
    for (std::size_t i = 1; i < path.size(); ++i)
      if ((path[i] == '.' || path[i] == '[') && globMatch(entry, path.substr(0, i))) return true;
  }
  return false;
}

std::string canonicalPolicy(std::string_view text) {
  std::string out;
  bool inString = false, pendingSpace = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      while (i < text.size() && text[i] != '\n') ++i;
      --i;  // keep the newline
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      auto end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 1;
      pendingSpace = true;
      continue;
    }
    if (c == '\n') {
      pendingSpace = false;
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (!out.empty() && out.back() != '\n') out += '\n';
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && !out.empty() && out.back() != '\n') out += ' ';
    pendingSpace = false;
    out += c;
    if (c == '"') inString = true;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::vector<FieldDelta> diffPolicy(std::string_view desired, std::string_view live, bool exact,
                                   const std::vector<std::string>& ignore) {
  if (isIgnored("policy", ignore)) return {};
  const std::string a = exact ? std::string(desired) : canonicalPolicy(desired);
  const std::string b = exact ? std::string(live) : canonicalPolicy(live);
  if (a == b) return {};
  std::string liveLine;
  std::string desiredLine = firstDifferentLine(a, b, &liveLine);
  if (desiredLine.empty() && liveLine.empty()) desiredLine = "(whitespace)";
  return {{"policy", desiredLine, liveLine}};
}

std::vector<FieldDelta> diffMount(const config::VaultMountSpec& spec, const vault::Mount& live,
                                  const vault::MountTune& tune) {
  std::vector<FieldDelta> out;
  const auto& ig = spec.ignoreDifferences;
  if (spec.type != live.type && !isIgnored("type", ig))
    out.push_back({"type", spec.type, live.type});
  if (!spec.description.empty() && spec.description != live.description &&
      !isIgnored("description", ig))
    out.push_back({"description", spec.description, live.description});
  auto ttl = [&](const char* name, std::int64_t have) {
    if (auto want = config::getInt(spec.config, name);
        want && *want != 0 && *want != have && !isIgnored(std::string("config.") + name, ig))
      out.push_back({std::string("config.") + name, std::to_string(*want), std::to_string(have)});
  };
  ttl("default_lease_ttl", tune.defaultLeaseTtl);
  ttl("max_lease_ttl", tune.maxLeaseTtl);
  if (auto want = config::getBool(spec.config, "force_no_cache");
      want && *want != live.config.forceNoCache && !isIgnored("config.force_no_cache", ig))
    out.push_back({"config.force_no_cache", *want ? "true" : "false",
                   live.config.forceNoCache ? "true" : "false"});
  return out;
}

std::vector<FieldDelta> diffAuthMount(const config::AuthMethodSpec& spec,
                                      const vault::Mount& live) {
  std::vector<FieldDelta> out;
  if (spec.type != live.type && !isIgnored("type", spec.ignoreDifferences))
    out.push_back({"type", spec.type, live.type});
  if (!spec.description.empty() && spec.description != live.description &&
      !isIgnored("description", spec.ignoreDifferences))
    out.push_back({"description", spec.description, live.description});
  return out;
}

std::vector<FieldDelta> diffJob(const nomad::JobDiff& diff,
                                const std::vector<std::string>& ignore) {
  std::vector<FieldDelta> out;
  if (diff.type == "None") return out;
  walkFields(diff.fields, "", ignore, out);
  for (const auto& o : diff.objects) walkObject(o, o.name, ignore, out);
  for (const auto& tg : diff.taskGroups) {
    if (tg.type == "None") continue;
    const std::string p = "TaskGroups[" + tg.name + "]";
    if (isIgnored(p, ignore)) continue;
    const std::size_t before = out.size();
    walkFields(tg.fields, p + ".", ignore, out);
    for (const auto& o : tg.objects) walkObject(o, p + "." + o.name, ignore, out);
    for (const auto& t : tg.tasks) walkObject(t, p + ".Tasks[" + t.name + "]", ignore, out);
    if (out.size() == before && tg.fields.empty() && tg.objects.empty() && tg.tasks.empty())
      out.push_back({p, tg.type == "Deleted" ? "<absent>" : "(group)",
                     tg.type == "Added" ? "<absent>" : "(group)"});
  }
  if (out.empty() && (diff.type == "Added" || diff.type == "Deleted") && !isIgnored("Job", ignore))
    out.push_back({"Job", diff.type == "Added" ? "(job)" : "<absent>",
                   diff.type == "Added" ? "<absent>" : "(job)"});
  return out;
}

}  // namespace nc::reconcile
