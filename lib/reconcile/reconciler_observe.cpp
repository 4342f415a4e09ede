// Reconciler: observe (read live + diff) and apply, per resource kind.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "config/job_source.hpp"
#include "reconcile/diff.hpp"
#include "reconcile/reconciler_internal.hpp"
#include "vault/codec.hpp"

namespace nc::reconcile {
namespace {

using Observed = Reconciler::Observed;

void fail(Observed& o, const Error& e) {
  o.status.state = State::error;
  o.status.message = e.message;
}

void setDeltas(Observed& o, std::vector<FieldDelta> deltas) {
  o.status.deltas = std::move(deltas);
  o.status.state = o.status.missing || !o.status.deltas.empty() ? State::drifted : State::inSync;
}

std::optional<vault::Mount> findLive(const std::vector<vault::Mount>& mounts,
                                     const std::string& path) {
  for (const auto& m : mounts)
    if (m.path == path + "/" || m.path == path) return m;
  return std::nullopt;
}

template <class T>
Result<T> decodeData(const std::string& data, Result<T> (*decode)(std::string_view)) {
  return decode("{\"data\":" + data + "}");
}

/// The job object with Meta managed-by and the namespace set (JSON text).
Result<std::string> ownJob(const std::string& apiJobJson, const std::string& ns) {
  rapidjson::Document d;
  d.Parse(apiJobJson.c_str());
  if (d.HasParseError() || !d.IsObject())
    return makeError(errc::protocol_error, "job JSON is not an object");
  if (d.HasMember("Job") && d["Job"].IsObject()) {  // a {"Job": {...}} file
    rapidjson::Document inner;
    inner.CopyFrom(d["Job"], inner.GetAllocator());
    d.Swap(inner);
  }
  auto& a = d.GetAllocator();
  if (!d.HasMember("Meta") || !d["Meta"].IsObject()) {
    d.RemoveMember("Meta");
    d.AddMember("Meta", rapidjson::Value(rapidjson::kObjectType), a);
  }
  auto& meta = d["Meta"];
  meta.RemoveMember(kManagedByKey);
  meta.AddMember(rapidjson::StringRef(kManagedByKey), rapidjson::StringRef(kManagedByValue), a);
  d.RemoveMember("Namespace");
  d.AddMember("Namespace", rapidjson::Value(ns.c_str(), a), a);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  d.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

boost::asio::awaitable<Result<std::string>> Reconciler::jobJson(const config::JobSpec& job) {
  const std::string ns = job.jobNamespace.empty() ? options_.nomadNamespace : job.jobNamespace;
  const std::uint64_t digest = config::jobSourceDigest(job);
  if (job.format == config::JobFormat::hcl)
    for (const auto& [parsedDigest, parsed] : parsedJobs_)
      if (parsedDigest == digest) co_return ownJob(parsed, ns);
  auto source = config::jobSource(job);
  if (!source) co_return source.error();
  if (job.format == config::JobFormat::json) co_return ownJob(*source, ns);
  auto parsed = co_await nomad_->parseJob(std::move(*source), true, "");
  if (!parsed) co_return parsed.error();
  constexpr std::size_t kKept = 16;
  if (parsedJobs_.size() >= kKept) parsedJobs_.pop_front();
  parsedJobs_.emplace_back(digest, std::move(*parsed));
  co_return ownJob(parsedJobs_.back().second, ns);
}

boost::asio::awaitable<Observed> Reconciler::observe(const ResourceKey& key) {
  Observed o;
  o.status.key = key;
  switch (key.kind) {
    case Kind::mount: {
      const auto* spec = findMount(key.name);
      o.status.where = spec->where.toString();
      auto mounts = co_await vault_->listMounts();
      if (!mounts) {
        fail(o, mounts.error());
        break;
      }
      auto live = findLive(*mounts, key.name);
      if (!live) {
        o.status.missing = true;
        setDeltas(o, {});
        break;
      }
      auto tune = co_await vault_->readMountTune(key.name);
      if (!tune) {
        fail(o, tune.error());
        break;
      }
      setDeltas(o, diffMount(*spec, *live, *tune));
      o.fixable = live->type == spec->type;
      if (!o.fixable) o.status.message = "mount type is " + live->type;
      break;
    }
    case Kind::authMethod: {
      const auto* spec = findAuth(key.name);
      o.status.where = spec->where.toString();
      auto mounts = co_await vault_->listAuthMounts();
      if (!mounts) {
        fail(o, mounts.error());
        break;
      }
      auto live = findLive(*mounts, key.name);
      if (!live) {
        o.status.missing = true;
        o.authConfigMissing = true;
        setDeltas(o, {});
        break;
      }
      auto deltas = diffAuthMount(*spec, *live);
      o.fixable = live->type == spec->type;
      if (!o.fixable) o.status.message = "auth method type is " + live->type;
      if (!spec->config.empty() && (spec->type == "jwt" || spec->type == "oidc")) {
        auto cfg = co_await vault_->readJwtConfig(key.name);
        if (!cfg && cfg.error().is(errc::not_found)) {
          o.authConfigMissing = true;
          deltas.push_back({"config", "(declared)", "<absent>"});
        } else if (!cfg) {
          fail(o, cfg.error());
          break;
        } else {
          o.liveJson = cfg->rawJson;
          auto d = diffVaultFields(config::FieldSchema::jwtAuthConfig, spec->config, cfg->rawJson,
                                   spec->ignoreDifferences);
          if (!d) {
            fail(o, d.error());
            break;
          }
          for (auto& x : *d) deltas.push_back({"config." + x.path, x.desired, x.live});
        }
      }
      setDeltas(o, std::move(deltas));
      break;
    }
    case Kind::policy: {
      const auto* spec = findPolicy(key.name);
      o.status.where = spec->where.toString();
      auto live = co_await vault_->readPolicy(key.name);
      if (!live && live.error().is(errc::not_found)) {
        o.status.missing = true;
        setDeltas(o, {});
        break;
      }
      if (!live) {
        fail(o, live.error());
        break;
      }
      setDeltas(o, diffPolicy(spec->text, live->policy, spec->exactText, spec->ignoreDifferences));
      break;
    }
    case Kind::pkiRole: {
      const auto* spec = findPkiRole(key.name);
      o.status.where = spec->where.toString();
      auto live = co_await vault_->readPkiRole(spec->mount, spec->name);
      if (!live && live.error().is(errc::not_found)) {
        o.status.missing = true;
        setDeltas(o, {});
        break;
      }
      if (!live) {
        fail(o, live.error());
        break;
      }
      o.liveJson = live->rawJson;
      auto d = diffVaultFields(config::FieldSchema::pkiRole, spec->config, live->rawJson,
                               spec->ignoreDifferences);
      if (!d) {
        fail(o, d.error());
        break;
      }
      setDeltas(o, std::move(*d));
      break;
    }
    case Kind::authRole: {
      const config::AuthMethodSpec* method = nullptr;
      const auto* spec = findAuthRole(key.name, &method);
      o.status.where = spec->where.toString();
      auto live = co_await vault_->readJwtRole(method->path, spec->name);
      if (!live && live.error().is(errc::not_found)) {
        o.status.missing = true;
        setDeltas(o, {});
        break;
      }
      if (!live) {
        fail(o, live.error());
        break;
      }
      o.liveJson = live->rawJson;
      auto d = diffVaultFields(config::FieldSchema::jwtRole, spec->config, live->rawJson,
                               spec->ignoreDifferences);
      if (!d) {
        fail(o, d.error());
        break;
      }
      setDeltas(o, std::move(*d));
      break;
    }
    case Kind::job: {
      const auto* spec = findJob(key.name);
      o.status.where = spec->where.toString();
      auto json = co_await jobJson(*spec);
      if (!json) {
        fail(o, json.error());
        break;
      }
      o.jobJson = std::move(*json);
      auto plan = co_await nomad_->planJob(o.jobJson, true);
      if (!plan) {
        fail(o, plan.error());
        break;
      }
      if (!plan->diff) {
        fail(o, Error(errc::protocol_error, "plan returned no Diff"));
        break;
      }
      o.jobModifyIndex = plan->jobModifyIndex;
      o.status.liveIndex = plan->jobModifyIndex;
      o.status.missing = plan->diff->type == "Added";
      auto deltas = o.status.missing ? std::vector<FieldDelta>{{"Job", "(new job)", "<absent>"}}
                                     : diffJob(*plan->diff, spec->ignoreDifferences);
      if (deltas.empty() && plan->diff->type != "None" && spec->ignoreDifferences.empty())
        deltas.push_back({"Job", "(changed)", "(" + plan->diff->type + ")"});
      setDeltas(o, std::move(deltas));
      break;
    }
  }
  co_return o;
}

boost::asio::awaitable<Result<void>> Reconciler::apply(const ResourceKey& key,
                                                       const Observed& seen) {
  switch (key.kind) {
    case Kind::mount: {
      const auto* spec = findMount(key.name);
      const auto maxTtl = config::getInt(spec->config, "max_lease_ttl");
      const auto defTtl = config::getInt(spec->config, "default_lease_ttl");
      if (seen.status.missing) {
        vault::MountSpec m;
        m.type = spec->type;
        m.description = spec->description;
        m.options = spec->options;
        m.local = spec->local;
        m.sealWrap = spec->sealWrap;
        m.maxLeaseTtl = maxTtl;
        m.defaultLeaseTtl = defTtl;
        co_return co_await vault_->enableMount(key.name, m);
      }
      vault::MountTuneUpdate u;
      u.maxLeaseTtl = maxTtl;
      u.defaultLeaseTtl = defTtl;
      if (!spec->description.empty()) u.description = spec->description;
      co_return co_await vault_->tuneMount(key.name, u);
    }
    case Kind::authMethod: {
      const auto* spec = findAuth(key.name);
      if (seen.status.missing) {
        vault::MountSpec m;
        m.type = spec->type;
        m.description = spec->description;
        m.local = spec->local;
        if (auto r = co_await vault_->enableAuth(key.name, m); !r) co_return r;
      }
      if (spec->config.empty()) co_return Result<void>();
      auto merged = mergeVaultFields(seen.authConfigMissing ? "{}" : seen.liveJson, spec->config);
      if (!merged) co_return merged.error();
      auto cfg = decodeData<vault::JwtConfig>(*merged, vault::codec::decodeJwtConfig);
      if (!cfg) co_return cfg.error();
      co_return co_await vault_->writeJwtConfig(key.name, *cfg);
    }
    case Kind::policy:
      co_return co_await vault_->putPolicy(key.name, findPolicy(key.name)->text);
    case Kind::pkiRole: {
      const auto* spec = findPkiRole(key.name);
      auto merged = mergeVaultFields(seen.liveJson, spec->config);
      if (!merged) co_return merged.error();
      auto role = decodeData<vault::PkiRole>(*merged, vault::codec::decodePkiRole);
      if (!role) co_return role.error();
      co_return co_await vault_->writePkiRole(spec->mount, spec->name, *role);
    }
    case Kind::authRole: {
      const config::AuthMethodSpec* method = nullptr;
      const auto* spec = findAuthRole(key.name, &method);
      auto merged = mergeVaultFields(seen.liveJson, spec->config);
      if (!merged) co_return merged.error();
      auto role = decodeData<vault::JwtRole>(*merged, vault::codec::decodeJwtRole);
      if (!role) co_return role.error();
      co_return co_await vault_->writeJwtRole(method->path, spec->name, *role);
    }
    case Kind::job: {
      nomad::RegisterOptions ro;
      ro.enforceIndex = seen.jobModifyIndex;
      auto r = co_await nomad_->registerJob(seen.jobJson, ro);
      if (!r) co_return r.error();
      co_return Result<void>();
    }
  }
  co_return Result<void>();
}

}  // namespace nc::reconcile
