// Allocations of the simulated clients: the record, task states with capped event lists, and
// their JSON forms (omit-empty Allocation, full AllocListStub).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "state.hpp"

namespace nc::nomadsim {

struct TaskState {
  std::string state = "pending";  ///< pending | running | dead
  bool failed = false;
  std::uint64_t restarts = 0;
  std::int64_t startedAt = 0, finishedAt = 0, lastRestart = 0;  ///< unix ns, 0 = zero time
  std::deque<std::string> events;  ///< TaskEvent JSON, oldest first, at most kMaxEvents
  static constexpr std::size_t kMaxEvents = 10;
};

struct Allocation {
  std::string id, evalId, name, nameSpace, jobId, jobType, group;
  std::uint64_t jobVersion = 0;
  JsonPtr job;  ///< the job at this allocation's version
  std::string desiredStatus = "run", desiredDescription;
  std::string clientStatus = "pending", clientDescription;
  std::vector<std::string> taskOrder;
  std::map<std::string, TaskState> tasks;
  std::uint64_t createIndex = 0, modifyIndex = 0, allocModifyIndex = 0;
  std::int64_t createTime = 0, modifyTime = 0;
  std::string nextAllocation, previousAllocation;
};

/// A TaskEvent JSON object (all deprecated mirror fields present, as Nomad sends them).
std::string taskEvent(const std::string& type, std::int64_t timeNs, const std::string& message,
                      const std::string& display,
                      const std::map<std::string, std::string>& details = {},
                      bool failsTask = false, std::int64_t exitCode = 0,
                      std::int64_t killTimeout = 0);
void appendEvent(TaskState& ts, std::string eventJson);

/// RFC3339Nano UTC time, "0001-01-01T00:00:00Z" for 0.
std::string rfc3339(std::int64_t unixNs);

std::string taskStatesJson(const Allocation& a);
/// GET /v1/allocation/:id: top-level omit-empty.
std::string allocJson(const Allocation& a, const std::string& nodeId, const std::string& nodeName);
/// AllocListStub (every field present).
std::string allocStubJson(const Allocation& a, const std::string& nodeId,
                          const std::string& nodeName, bool taskStates);

}  // namespace nc::nomadsim
