// desired-state.yaml nomad.jobs[]: job files and the certificates their allocations must hold.
#include <algorithm>
#include <map>

#include "config/job_file.hpp"
#include "config/job_source.hpp"
#include "config/loader_util.hpp"
#include "config/suggest.hpp"

namespace nc::config::detail {
namespace {

bool validCertPath(const std::string& p, std::string& why) {
  if (p.front() == '/') {
    why = "must be relative (to the task directory, or alloc/... for the shared directory)";
    return false;
  }
  if (p.find("${") != std::string::npos) {
    why = "must be a plain path; write alloc/... instead of ${NOMAD_ALLOC_DIR}/...";
    return false;
  }
  const std::filesystem::path path(p);
  for (const auto& part : path)
    if (part == "..") {
      why = "must not contain \"..\"";
      return false;
    }
  if (p.back() == '/') {
    why = "must name a file, not a directory";
    return false;
  }
  return true;
}

// warn_before must trip earlier than critical_before when both are of the same kind.
void checkThresholdOrder(MapReader& r, const std::optional<ThresholdSpec>& warn,
                         const std::optional<ThresholdSpec>& crit) {
  if (!warn || !crit) return;
  const bool inverted = (warn->duration && crit->duration && *crit->duration >= *warn->duration) ||
                        (warn->fraction && crit->fraction && *crit->fraction >= *warn->fraction);
  if (inverted)
    r.ctx().error(
        *r.take("critical_before"), r.field("critical_before"),
        "critical_before (" + crit->text + ") must be less than warn_before (" + warn->text + ")");
}

void readCertificates(MapReader& jr, JobSpec& job, const std::vector<std::string>& tasks) {
  std::map<std::string, SourceRef> seen;
  forEachItem(jr, "certificates", [&](const YamlNode& item, const std::string& path) {
    MapReader r(jr.ctx(), item, path);
    if (!r.valid()) return;
    CertificateSpec c;
    c.where = r.ctx().at(item);
    if (r.reqString("task", c.task) && !tasks.empty() &&
        std::find(tasks.begin(), tasks.end(), c.task) == tasks.end())
      r.ctx().error(*r.take("task"), r.field("task"),
                    "job \"" + job.id + "\" (" + job.file + ") has no task \"" + c.task + "\"" +
                        didYouMean(c.task, tasks));
    if (r.reqString("path", c.path)) {
      std::string why;
      if (!validCertPath(c.path, why))
        r.ctx().error(*r.take("path"), r.field("path"), "\"" + c.path + "\" " + why);
      else if (auto [it, fresh] = seen.emplace(c.allocPath(), c.where); !fresh)
        r.ctx().error(*r.take("path"), r.field("path"),
                      "duplicate certificate \"" + c.path + "\" of task \"" + c.task +
                          "\" (first declared at " + it->second.toString() + ")");
    }
    if (r.optString("common_name", c.commonName) &&
        (c.commonName.empty() || c.commonName.find_first_of(" \t/") != std::string::npos))
      r.ctx().error(*r.take("common_name"), r.field("common_name"),
                    "invalid common name \"" + c.commonName + "\"");
    readThreshold(r, "warn_before", c.warnBefore);
    readThreshold(r, "critical_before", c.criticalBefore);
    checkThresholdOrder(r, c.warnBefore, c.criticalBefore);
    r.finish();
    job.certificates.push_back(std::move(c));
  });
}

}  // namespace

void readNomadJobs(MapReader& nomad, DesiredState& out, bool keepTexts) {
  std::map<std::string, SourceRef> seen;
  forEachItem(nomad, "jobs", [&](const YamlNode& item, const std::string& path) {
    MapReader r(nomad.ctx(), item, path);
    if (!r.valid()) return;
    JobSpec job;
    job.where = r.ctx().at(item);
    std::vector<std::string> tasks;
    std::string declaredId;
    const bool hasId = r.optString("id", declaredId);
    r.optString("namespace", job.jobNamespace);
    if (r.reqString("file", job.file)) {
      auto resolved = resolveRelative(r.ctx().source(), job.file);
      job.resolvedPath = resolved.path.string();
      const YamlNode fileNode = *r.take("file");
      FileReference ref{r.ctx().at(fileNode), r.field("file")};
      if (auto info = readJobFile(resolved.path, resolved.display, ref, r.ctx().diags())) {
        job.format = info->format;
        job.source = std::move(info->source);
        if (!keepTexts) releaseJobText(job);
        job.id = info->id;
        tasks = std::move(info->taskNames);
      }
    }
    if (hasId) {
      if (!job.id.empty() && declaredId != job.id)
        r.ctx().error(*r.take("id"), r.field("id"),
                      "id \"" + declaredId + "\" differs from the job in " + job.file + " (\"" +
                          job.id + "\")");
      job.id = declaredId;
    }
    if (!job.id.empty()) {
      const std::string key =
          (job.jobNamespace.empty() ? "<default>" : job.jobNamespace) + "/" + job.id;
      if (auto [it, fresh] = seen.emplace(key, job.where); !fresh)
        r.ctx().error(
            *r.take("file"), r.field("file"),
            "duplicate job \"" + job.id + "\"" +
                (job.jobNamespace.empty() ? "" : " in namespace \"" + job.jobNamespace + "\"") +
                " (first declared at " + it->second.toString() + ")");
    }
    readMode(r, job.mode);
    bool prune = false;
    if (r.optBool("prune", prune)) job.prune = prune;
    r.optStringList("ignore_differences", job.ignoreDifferences);
    readCertificates(r, job, tasks);
    r.finish();
    out.nomad.jobs.push_back(std::move(job));
  });
  out.nomad.jobs.shrink_to_fit();  // kept for the daemon's life: no growth slack (~0.3 KB a job)
}

}  // namespace nc::config::detail
