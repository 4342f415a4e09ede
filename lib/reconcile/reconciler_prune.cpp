// Reconciler: the ownership record (a Nomad variable) and prune of owned, undeclared objects.
#include <algorithm>
#include <set>
#include <sstream>

#include <rapidjson/document.h>

#include "reconcile/reconciler_internal.hpp"

namespace nc::reconcile {
namespace {

constexpr const char* kItem = "resources";  // newline-separated ResourceKey texts

std::set<std::string> splitLines(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

std::string joinLines(const std::set<std::string>& s) {
  std::string out;
  for (const auto& l : s) out += l + "\n";
  return out;
}

bool managedJob(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject()) return false;
  auto meta = d.FindMember("Meta");
  if (meta == d.MemberEnd() || !meta->value.IsObject()) return false;
  auto v = meta->value.FindMember(kManagedByKey);
  return v != meta->value.MemberEnd() && v->value.IsString() &&
         std::string_view(v->value.GetString()) == kManagedByValue;
}

}  // namespace

boost::asio::awaitable<Result<std::vector<std::string>>> Reconciler::ownedKeys() {
  nomad::QueryOptions q;  // a named argument: g++ 12 mis-destroys temporaries in co_await calls
  auto v = co_await nomad_->readVariable(options_.ownershipPath, q);
  if (!v && v.error().is(errc::not_found)) co_return std::vector<std::string>{};
  if (!v) co_return v.error();
  auto it = v->value.items.find(kItem);
  const auto set = it == v->value.items.end() ? std::set<std::string>{} : splitLines(it->second);
  co_return std::vector<std::string>(set.begin(), set.end());
}

boost::asio::awaitable<Result<void>> Reconciler::recordOwnership(ResourceKey key, bool owned) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // CAS races with another writer are rare
    nomad::QueryOptions q;  // a named argument: g++ 12 mis-destroys temporaries in co_await calls
    auto v = co_await nomad_->readVariable(options_.ownershipPath, q);
    std::uint64_t cas = 0;
    std::map<std::string, std::string> items;
    if (v) {
      cas = v->value.modifyIndex;
      items = v->value.items;
    } else if (!v.error().is(errc::not_found)) {
      co_return v.error();
    }
    auto set = splitLines(items[kItem]);
    const bool had = set.count(key.toString()) > 0;
    if (had == owned) co_return Result<void>();
    if (owned)
      set.insert(key.toString());
    else
      set.erase(key.toString());
    items[kItem] = joinLines(set);
    auto put = co_await nomad_->putVariable(options_.ownershipPath, items, cas);
    if (put) co_return Result<void>();
    if (!put.error().is(errc::conflict)) co_return put.error();
  }
  co_return makeError(errc::conflict, "ownership record kept changing during the update");
}

boost::asio::awaitable<Result<void>> Reconciler::deleteOwned(ResourceKey key) {
  if (key.kind == Kind::job) {
    auto [ns, id] = detail::splitFirst(key.name);
    auto r = co_await nomad_->deregisterJob(id, false);
    if (!r) co_return r.error();
    co_return Result<void>();
  }
  Result<void> r;
  if (key.kind == Kind::policy) {
    r = co_await vault_->deletePolicy(key.name);
  } else if (key.kind == Kind::pkiRole) {
    auto [mount, name] = detail::splitLast(key.name);
    r = co_await vault_->deletePkiRole(mount, name);
  } else {
    co_return makeError(errc::not_implemented, "this kind is never pruned");
  }
  if (r) (void)co_await recordOwnership(key, false);
  co_return r;
}

boost::asio::awaitable<std::vector<ResourceStatus>> Reconciler::prune(bool write) {
  std::vector<ResourceStatus> out;
  if (!desired_.defaults.prune) co_return out;
  const auto mode = options_.modeCap == config::Mode::report
                        ? config::Mode::report
                        : (options_.forceEnforce ? config::Mode::enforce : desired_.defaults.mode);
  std::vector<ResourceKey> candidates;
  auto failure = [&out](ResourceKey key, const Error& e) {
    ResourceStatus s;
    s.key = std::move(key);
    s.state = State::error;
    s.message = e.message;
    out.push_back(std::move(s));
  };

  // Vault: only objects in the ownership record. Mounts, auth methods and auth roles are
  // never pruned (deleting them would revoke leases or lock workloads out).
  auto owned = co_await ownedKeys();
  if (!owned) {
    failure({Kind::policy, "(ownership record)"}, owned.error());
  } else {
    for (const auto& text : *owned) {
      auto key = ResourceKey::parse(text);
      if (key && !declared(*key) && (key->kind == Kind::policy || key->kind == Kind::pkiRole))
        candidates.push_back(*key);
    }
  }

  // Jobs in the daemon namespace that carry Meta managed-by=nomad-certd.
  nomad::QueryOptions q;
  q.nomadNamespace = options_.nomadNamespace;  // deregisterJob acts in the client namespace
  auto jobs = co_await nomad_->listJobs(q);
  if (!jobs) {
    failure({Kind::job, "(list)"}, jobs.error());
  } else {
    for (const auto& stub : jobs->value) {
      const ResourceKey key{Kind::job, stub.nomadNamespace + "/" + stub.id};
      if (stub.stop || !stub.parentId.empty() || declared(key)) continue;
      nomad::QueryOptions jq;
      jq.nomadNamespace = stub.nomadNamespace;
      auto job = co_await nomad_->readJob(stub.id, jq);
      if (job && managedJob(job->value.json)) candidates.push_back(key);  // unowned: never touched
    }
  }

  for (const auto& key : candidates) {
    ResourceStatus s;
    s.key = key;
    s.prune = true;
    s.state = State::drifted;
    s.mode = mode;
    s.deltas.push_back({"(object)", "<absent>", "(exists, owned)"});
    if (write && mode == config::Mode::enforce) {
      auto r = co_await deleteOwned(key);
      if (r) {
        s.changed = s.confirmed = true;
        s.state = State::inSync;
        s.message = "deleted";
      } else {
        s.state = State::error;
        s.message = r.error().message;
      }
    }
    detail::logStatus(s);
    out.push_back(std::move(s));
  }
  co_return out;
}

}  // namespace nc::reconcile
