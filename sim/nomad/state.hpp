// nomad-sim's in-memory state store: raft-like indexes, jobs with versions, evaluations,
// variables with locks, and the event buffer. Single-threaded; the HTTP layer serialises access.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "event_buffer.hpp"
#include "json.hpp"

namespace nc::nomadsim {

using JsonPtr = std::shared_ptr<const std::string>;

/// Allocation counts per task group, as the job summary reports them.
struct GroupSummary {
  std::int64_t queued = 0, complete = 0, failed = 0, running = 0, starting = 0, lost = 0;
};

struct JobRecord {
  std::string nameSpace, id;
  JsonPtr json;                   ///< current server-form job
  std::vector<JsonPtr> versions;  ///< newest first, at most kTrackedVersions
  // List-stub fields, kept in sync with json.
  std::string name, type, status, statusDescription, nodePool, parentId;
  std::string datacentersJson = "[]", metaJson = "{}";
  std::int64_t priority = 50, submitTime = 0;
  bool periodic = false, parameterized = false, stop = false;
  std::uint64_t createIndex = 0, modifyIndex = 0, jobModifyIndex = 0, version = 0;
  std::vector<std::pair<std::string, std::int64_t>> groups;  ///< name, count
  std::uint64_t summaryCreateIndex = 0, summaryModifyIndex = 0;
  std::map<std::string, GroupSummary> summary;  ///< set by the simulated clients
  bool clientSummary = false;                   ///< summary is maintained by the clients
};

struct RegisterReply {
  std::string evalId;
  std::uint64_t evalCreateIndex = 0, jobModifyIndex = 0, index = 0;
  std::string warnings;
};

struct DeregisterReply {
  std::string evalId;
  std::uint64_t evalCreateIndex = 0, jobModifyIndex = 0, index = 0;
};

struct Variable;  // state_vars.hpp

class SimState {
 public:
  static constexpr std::size_t kTrackedVersions = 6;

  explicit SimState(ClockPtr clock);
  ~SimState();

  /// Called after every write (blocking queries and event streams wake on it).
  void setOnChange(std::function<void()> f) { onChange_ = std::move(f); }
  /// Called after a job's spec or stop flag changed, or the job was purged (the scheduler hook).
  void setOnJobWrite(std::function<void(const std::string&, const std::string&)> f) {
    onJobWrite_ = std::move(f);
  }
  /// Client-driven updates: job status (a ModifyIndex write) and the job summary.
  void setJobStatus(const std::string& ns, const std::string& id, const std::string& status,
                    std::uint64_t index);
  void setSummary(const std::string& ns, const std::string& id,
                  std::map<std::string, GroupSummary> summary, std::uint64_t index);

  std::uint64_t index() const { return index_; }
  std::uint64_t tableIndex(const std::string& table) const;
  const Clock& clock() const { return *clock_; }

  // ---- jobs ----
  /// Registers a server-form job (see admitJob). Errors: EnforceIndex conflicts
  /// (errc::conflict, "Enforcing job modify index ..." text).
  Result<RegisterReply> registerJob(const Val& job, bool enforceIndex,
                                    std::uint64_t jobModifyIndex);
  DeregisterReply deregisterJob(const std::string& ns, const std::string& id, bool purge);
  const JobRecord* job(const std::string& ns, const std::string& id) const;
  /// Jobs in ns ("*" = all), ascending by namespace then ID, with an ID prefix.
  std::vector<const JobRecord*> jobs(const std::string& ns, const std::string& prefix) const;
  /// max(index(jobs), index(job_summary)), the /v1/jobs blocking index.
  std::uint64_t jobsIndex() const;
  std::string stubJson(const JobRecord& r, bool withMeta) const;
  std::string summaryJson(const JobRecord& r) const;
  /// Applies a JSON merge patch to the stored job and stores it as a new version (drift).
  Result<RegisterReply> editJob(const std::string& ns, const std::string& id, const Val& patch);

  // ---- evaluations ----
  std::optional<std::string> evalJson(const std::string& id) const;

  // ---- events ----
  EventBuffer& events() { return events_; }

  // ---- variables (state_vars.cpp) ----
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Variable>>& vars() { return vars_; }
  std::uint64_t nextIndex();
  void setTableIndex(const std::string& table, std::uint64_t index) { tables_[table] = index; }
  void publish(std::uint64_t index, std::vector<Event> events);
  void changed();

  /// Drops every job, evaluation, variable and event; indexes keep growing.
  void reset();

  /// New random UUID (v4 text form).
  static std::string uuid();

 private:
  ClockPtr clock_;
  std::function<void()> onChange_;
  std::function<void(const std::string&, const std::string&)> onJobWrite_;
  std::uint64_t index_ = 1;
  std::map<std::string, std::uint64_t> tables_;
  std::map<std::pair<std::string, std::string>, JobRecord> jobs_;
  std::map<std::string, std::string> evals_;
  std::vector<std::string> evalOrder_;
  EventBuffer events_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Variable>> vars_;

  std::string createEval(const Val& job, const std::string& triggeredBy, std::uint64_t index,
                         const std::string& eventType, std::vector<Event>& events);
  void upsertJob(Doc& job, JobRecord* existing, std::uint64_t index);
  void refreshStub(JobRecord& r, const Val& job);
  std::int64_t nowNs() const;
};

}  // namespace nc::nomadsim
