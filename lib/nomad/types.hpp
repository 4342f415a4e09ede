// Typed requests and results of the Nomad operations nomad-certd uses (plain structs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"

namespace nc::nomad {

/// Common read parameters; a blocking query when index > 0.
struct QueryOptions {
  std::uint64_t index = 0;
  std::optional<Duration> wait;  ///< sent with a unit ("300s"); server caps at 300 s
  bool stale = false;
  std::string prefix, filter;
  std::optional<std::string> nomadNamespace;  ///< overrides the client default ("*" = all)
};

/// Response metadata headers of reads (X-Nomad-*).
struct QueryMeta {
  std::uint64_t index = 0;
  bool knownLeader = false;
  std::int64_t lastContactMs = 0;
  std::string nextToken;
};

template <class T>
struct Indexed {
  T value;
  QueryMeta meta;
};

struct JobStub {
  std::string id, parentId, name, nomadNamespace, type, status, statusDescription, nodePool;
  std::vector<std::string> datacenters;
  std::int64_t priority = 0;
  bool periodic = false, parameterized = false, stop = false;
  std::uint64_t createIndex = 0, modifyIndex = 0, jobModifyIndex = 0;
  std::int64_t submitTime = 0;              ///< unix ns
  std::map<std::string, std::string> meta;  ///< only with meta=true
};

/// A job as GET /v1/job/:id returns it: the fields certd reads typed, plus the full JSON.
struct Job {
  std::string id, name, nomadNamespace, region, type, status;
  bool stop = false, stable = false;
  std::uint64_t version = 0, createIndex = 0, modifyIndex = 0, jobModifyIndex = 0;
  std::string json;  ///< the whole job object
};

struct RegisterOptions {
  /// Check-and-set: the job's JobModifyIndex must equal this (0 = must not exist).
  std::optional<std::uint64_t> enforceIndex;
  bool policyOverride = false, preserveCounts = false;
};

struct RegisterResult {
  std::string evalId, warnings;
  std::uint64_t evalCreateIndex = 0, jobModifyIndex = 0, index = 0;
};

struct FieldDiff {
  std::string type, name, oldValue, newValue;
  std::vector<std::string> annotations;
};
struct ObjectDiff {
  std::string type, name;
  std::vector<FieldDiff> fields;
  std::vector<ObjectDiff> objects;
  std::vector<std::string> annotations;  ///< TaskDiff only
};
struct TaskGroupDiff {
  std::string type, name;
  std::vector<FieldDiff> fields;
  std::vector<ObjectDiff> objects, tasks;
  std::map<std::string, std::uint64_t> updates;
};
struct JobDiff {
  std::string type, id;  ///< type: None | Added | Deleted | Edited
  std::vector<FieldDiff> fields;
  std::vector<ObjectDiff> objects;
  std::vector<TaskGroupDiff> taskGroups;
};

struct PlanResult {
  std::uint64_t jobModifyIndex = 0;  ///< feed to RegisterOptions::enforceIndex
  std::optional<JobDiff> diff;
  std::map<std::string, std::map<std::string, std::uint64_t>> desiredUpdates;  ///< tg → kind → n
  bool failedAllocations = false;  ///< FailedTGAllocs non-empty
  std::string warnings;
  std::string json;  ///< the whole response
  bool inSync() const { return diff && diff->type == "None"; }
};

struct DeregisterResult {
  std::string evalId;
  std::uint64_t evalCreateIndex = 0, jobModifyIndex = 0, index = 0;
};

struct TaskEvent {
  std::string type, message, displayMessage;
  std::int64_t time = 0;  ///< unix ns
  std::map<std::string, std::string> details;
  bool failsTask = false;
};

struct TaskState {
  std::string state;  ///< pending | running | dead
  bool failed = false;
  std::uint64_t restarts = 0;
  std::string startedAt, finishedAt, lastRestart;
  std::vector<TaskEvent> events;
};

struct Allocation {
  std::string id, evalId, name, nomadNamespace, nodeId, nodeName, jobId, jobType, taskGroup,
      desiredStatus, desiredDescription, clientStatus, clientDescription, deploymentId;
  std::uint64_t jobVersion = 0, createIndex = 0, modifyIndex = 0;
  std::int64_t createTime = 0, modifyTime = 0;
  std::map<std::string, TaskState> taskStates;
  std::string json;  ///< full object (GET /v1/allocation/:id only; empty for stubs)
};

struct FileInfo {
  std::string name, fileMode, modTime, contentType;
  bool isDir = false;
  std::int64_t size = 0;
};

struct ExecResult {
  int exitCode = 0;
  std::string signal;
  bool oomKilled = false;
  std::string stdoutData, stderrData;
};

struct ExecOptions {
  Duration timeout = Duration::seconds(30);      ///< whole command
  std::string stdinData;                         ///< sent, then stdin is closed
  std::size_t maxOutputBytes = 4 * 1024 * 1024;  ///< per stream; more is too_large
};

struct VariableLock {
  std::string id;
  std::string ttl, lockDelay;  ///< as Nomad reports them ("15s")
};

struct Variable {
  std::string nomadNamespace, path;
  std::uint64_t createIndex = 0, modifyIndex = 0;
  std::int64_t createTime = 0, modifyTime = 0;
  std::map<std::string, std::string> items;
  std::optional<VariableLock> lock;
};

struct Event {
  std::string topic, type, key, nomadNamespace;
  std::vector<std::string> filterKeys;
  std::uint64_t index = 0;
  std::string payloadJson;
};

struct EventBatch {
  std::uint64_t index = 0;
  std::vector<Event> events;
  bool afterReconnect = false;  ///< first batch of a new connection: events may be missing
};

struct AgentHealthPart {
  bool ok = false;
  std::string message;
};
struct AgentHealth {
  bool ok = false;  ///< HTTP 200
  std::optional<AgentHealthPart> client, server;
};

}  // namespace nc::nomad
