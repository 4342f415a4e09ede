// Reconciler: declared keys, modes, the reconcile driver (observe, apply, confirm) and logging.
#include "reconcile/reconciler.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "config/job_source.hpp"
#include "reconcile/reconciler_internal.hpp"

namespace nc::reconcile {

namespace detail {
std::pair<std::string, std::string> splitLast(const std::string& s) {
  auto i = s.rfind('/');
  if (i == std::string::npos) return {"", s};
  return {s.substr(0, i), s.substr(i + 1)};
}
std::pair<std::string, std::string> splitFirst(const std::string& s) {
  auto i = s.find('/');
  if (i == std::string::npos) return {"", s};
  return {s.substr(0, i), s.substr(i + 1)};
}

void logStatus(const ResourceStatus& s) {
  std::string fields;
  for (const auto& d : s.deltas)
    fields += (fields.empty() ? "" : "; ") + d.path + ": desired=" + d.desired + " live=" + d.live;
  const std::string res = s.key.toString();
  if (s.state == State::error)
    spdlog::error("event=reconcile_failure resource={} mode={} message=\"{}\"", res,
                  config::toString(s.mode), s.message);
  else if (s.changed)
    spdlog::info("event=drift_fixed resource={} action={} confirmed={} fields=[{}]", res, s.message,
                 s.confirmed, fields);
  else if (s.state == State::drifted)
    spdlog::warn("event=drift_detected resource={} mode={} missing={} prune={} fields=[{}]", res,
                 config::toString(s.mode), s.missing, s.prune, fields);
}
}  // namespace detail

Reconciler::Reconciler(vault::VaultApiPtr vault, nomad::NomadApiPtr nomad,
                       ReconcilerOptions options)
    : vault_(std::move(vault)), nomad_(std::move(nomad)), options_(std::move(options)) {}

void Reconciler::setDesired(config::DesiredState desired) {
  desired_ = std::move(desired);
  jobAt_.clear();
  jobAt_.reserve(desired_.nomad.jobs.size());
  for (std::size_t i = 0; i < desired_.nomad.jobs.size(); ++i)
    jobAt_.emplace(jobKeyName(desired_.nomad.jobs[i]), i);  // the first declaration wins
}

std::string Reconciler::jobKeyName(const config::JobSpec& j) const {
  return (j.jobNamespace.empty() ? options_.nomadNamespace : j.jobNamespace) + "/" + j.id;
}

std::vector<ResourceKey> Reconciler::keys() const {
  std::vector<ResourceKey> out;
  const auto& v = desired_.vault;
  for (const auto& m : v.mounts) out.push_back({Kind::mount, m.path});
  for (const auto& a : v.auth) out.push_back({Kind::authMethod, a.path});
  for (const auto& p : v.policies) out.push_back({Kind::policy, p.name});
  for (const auto& r : v.pkiRoles) out.push_back({Kind::pkiRole, r.mount + "/" + r.name});
  for (const auto& a : v.auth)
    for (const auto& r : a.roles) out.push_back({Kind::authRole, a.path + "/" + r.name});
  for (const auto& j : desired_.nomad.jobs) out.push_back({Kind::job, jobKeyName(j)});
  return out;
}

bool Reconciler::declared(const ResourceKey& key) const {
  switch (key.kind) {
    case Kind::mount:
      return findMount(key.name) != nullptr;
    case Kind::pkiRole:
      return findPkiRole(key.name) != nullptr;
    case Kind::policy:
      return findPolicy(key.name) != nullptr;
    case Kind::authMethod:
      return findAuth(key.name) != nullptr;
    case Kind::authRole: {
      const config::AuthMethodSpec* m = nullptr;
      return findAuthRole(key.name, &m) != nullptr;
    }
    case Kind::job:
      return findJob(key.name) != nullptr;
  }
  return false;
}

config::Mode Reconciler::modeOf(const ResourceKey& key) const {
  std::optional<config::Mode> own;
  switch (key.kind) {
    case Kind::mount:
      if (auto* s = findMount(key.name)) own = s->mode;
      break;
    case Kind::pkiRole:
      if (auto* s = findPkiRole(key.name)) own = s->mode;
      break;
    case Kind::policy:
      if (auto* s = findPolicy(key.name)) own = s->mode;
      break;
    case Kind::authMethod:
      if (auto* s = findAuth(key.name)) own = s->mode;
      break;
    case Kind::authRole: {
      const config::AuthMethodSpec* m = nullptr;
      if (findAuthRole(key.name, &m) && m) own = m->mode;
      break;
    }
    case Kind::job:
      if (auto* s = findJob(key.name)) own = s->mode;
      break;
  }
  config::Mode mode =
      own ? *own : (options_.forceEnforce ? config::Mode::enforce : desired_.defaults.mode);
  if (options_.modeCap == config::Mode::report) mode = config::Mode::report;
  return mode;
}

const config::VaultMountSpec* Reconciler::findMount(const std::string& name) const {
  for (const auto& m : desired_.vault.mounts)
    if (m.path == name) return &m;
  return nullptr;
}
const config::PkiRoleSpec* Reconciler::findPkiRole(const std::string& name) const {
  for (const auto& r : desired_.vault.pkiRoles)
    if (r.mount + "/" + r.name == name) return &r;
  return nullptr;
}
const config::PolicySpec* Reconciler::findPolicy(const std::string& name) const {
  for (const auto& p : desired_.vault.policies)
    if (p.name == name) return &p;
  return nullptr;
}
const config::AuthMethodSpec* Reconciler::findAuth(const std::string& name) const {
  for (const auto& a : desired_.vault.auth)
    if (a.path == name) return &a;
  return nullptr;
}
const config::AuthRoleSpec* Reconciler::findAuthRole(const std::string& name,
                                                     const config::AuthMethodSpec** method) const {
  auto [path, role] = detail::splitLast(name);
  const auto* a = findAuth(path);
  *method = a;
  if (!a) return nullptr;
  for (const auto& r : a->roles)
    if (r.name == role) return &r;
  return nullptr;
}
const config::JobSpec* Reconciler::findJob(const std::string& name) const {
  auto it = jobAt_.find(name);
  return it == jobAt_.end() ? nullptr : &desired_.nomad.jobs[it->second];
}

namespace {
std::string ignoreText(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& i : v) s += i + "\n";
  return s;
}

// Everything of a declaration that influences observe/apply, as one comparable text.
std::map<std::string, std::string> fingerprints(const config::DesiredState& d,
                                                const std::string& defaultNs) {
  std::map<std::string, std::string> out;
  auto mode = [&](const std::optional<config::Mode>& m) {
    return std::string(config::toString(d.modeOf(m)));
  };
  for (const auto& m : d.vault.mounts)
    out[ResourceKey{Kind::mount, m.path}.toString()] =
        m.type + "|" + m.description + "|" + config::toJson(m.config) + "|" + mode(m.mode) + "|" +
        ignoreText(m.ignoreDifferences);
  for (const auto& r : d.vault.pkiRoles)
    out[ResourceKey{Kind::pkiRole, r.mount + "/" + r.name}.toString()] =
        config::toJson(r.config) + "|" + mode(r.mode) + "|" + ignoreText(r.ignoreDifferences);
  for (const auto& p : d.vault.policies)
    out[ResourceKey{Kind::policy, p.name}.toString()] = p.text + "|" + mode(p.mode) + "|" +
                                                        (p.exactText ? "exact" : "") +
                                                        ignoreText(p.ignoreDifferences);
  for (const auto& a : d.vault.auth) {
    out[ResourceKey{Kind::authMethod, a.path}.toString()] =
        a.type + "|" + a.description + "|" + config::toJson(a.config) + "|" + mode(a.mode) + "|" +
        ignoreText(a.ignoreDifferences);
    for (const auto& r : a.roles)
      out[ResourceKey{Kind::authRole, a.path + "/" + r.name}.toString()] =
          config::toJson(r.config) + "|" + mode(a.mode) + "|" + ignoreText(r.ignoreDifferences);
  }
  for (const auto& j : d.nomad.jobs)
    out[ResourceKey{Kind::job, (j.jobNamespace.empty() ? defaultNs : j.jobNamespace) + "/" + j.id}
            .toString()] = std::to_string(config::jobSourceDigest(j)) + "|" + mode(j.mode) + "|" +
                           ignoreText(j.ignoreDifferences);
  return out;
}
}  // namespace

std::vector<ResourceKey> Reconciler::changedKeys(const config::DesiredState& next) const {
  const auto a = fingerprints(desired_, options_.nomadNamespace);
  const auto b = fingerprints(next, options_.nomadNamespace);
  std::set<std::string> names;
  for (const auto& [k, v] : a)
    if (auto it = b.find(k); it == b.end() || it->second != v) names.insert(k);
  for (const auto& [k, v] : b)
    if (!a.count(k)) names.insert(k);
  std::vector<ResourceKey> out;
  for (const auto& n : names)
    if (auto key = ResourceKey::parse(n)) out.push_back(*key);
  return out;
}

boost::asio::awaitable<ResourceStatus> Reconciler::reconcile(ResourceKey key, bool write) {
  Observed seen = co_await observe(key);
  seen.status.mode = modeOf(key);
  if (seen.status.state != State::drifted || !write || seen.status.mode != config::Mode::enforce) {
    detail::logStatus(seen.status);
    co_return seen.status;
  }
  if (!seen.fixable) {
    seen.status.state = State::error;
    seen.status.message = "cannot be repaired in place: " + seen.status.message;
    detail::logStatus(seen.status);
    co_return seen.status;
  }
  detail::logStatus(seen.status);  // the drift itself, before the fix
  ResourceStatus result = seen.status;
  auto applied = co_await apply(key, seen);
  if (!applied) {
    result.state = State::error;
    result.message = applied.error().message;
    detail::logStatus(result);
    co_return result;
  }
  result.changed = true;
  result.message = seen.status.missing ? "created" : "updated";
  if (key.kind != Kind::job) (void)co_await recordOwnership(key, true);
  // Confirm by reading back: a just-applied object must observe as in sync.
  Observed after = co_await observe(key);
  result.liveIndex = after.status.liveIndex;
  if (after.status.state == State::inSync) {
    result.state = State::inSync;
    result.confirmed = true;
  } else {
    result.state = State::error;
    result.message += after.status.state == State::error
                          ? "; read-back failed: " + after.status.message
                          : "; still differs after the write (" +
                                std::to_string(after.status.deltas.size()) + " field(s))";
    result.deltas = after.status.deltas;
  }
  detail::logStatus(result);
  co_return result;
}

}  // namespace nc::reconcile
