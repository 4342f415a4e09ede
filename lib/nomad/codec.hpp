// Nomad wire format: plain-text errors, X-Nomad-* headers, and defensive JSON decoders.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"
#include "nomad/types.hpp"

namespace nc::nomad::codec {

errc errcForStatus(int status, std::string_view body);
/// "nomad: <what>: HTTP <status>: <Nomad's text body>" (EnforceIndex 500s → conflict).
Error responseError(std::string_view what, int status, std::string_view body);

/// X-Nomad-Index / KnownLeader / LastContact / NextToken; a malformed index is an error,
/// an absent one reads as 0.
Result<QueryMeta> parseQueryMeta(const http::Headers& headers);

Result<std::vector<JobStub>> decodeJobStubs(std::string_view body);
Result<Job> decodeJob(std::string_view body);
/// GET /v1/job/:id/versions → versions, newest first.
Result<std::vector<Job>> decodeJobVersions(std::string_view body);
/// The ID and Namespace of a job JSON object (to build paths); invalid_argument if absent.
struct JobIdentity {
  std::string id, nomadNamespace;
};
Result<JobIdentity> jobIdentity(std::string_view jobJson);
std::string encodeRegister(std::string_view jobJson, const RegisterOptions& options);
Result<RegisterResult> decodeRegister(std::string_view body);
std::string encodePlan(std::string_view jobJson, bool diff);
Result<PlanResult> decodePlan(std::string_view body);
Result<DeregisterResult> decodeDeregister(std::string_view body);

Result<std::vector<Allocation>> decodeAllocStubs(std::string_view body);
Result<Allocation> decodeAllocation(std::string_view body);

Result<FileInfo> decodeFileInfo(std::string_view body);
Result<std::vector<FileInfo>> decodeFileList(std::string_view body);
/// Nomad answers cat/readat errors with HTTP 200 and the error text as body (§5.3). When
/// `body` is one of those texts, the error it stands for.
std::optional<Error> fsErrorInBody(std::string_view body);
/// True when the alloc-relative path lies in a task's secrets/ or private/ directory.
bool isRestrictedFsPath(std::string_view path);

Result<Variable> decodeVariable(std::string_view body);
std::string encodeVariable(std::string_view path, std::string_view nomadNamespace,
                           const std::map<std::string, std::string>& items);

Result<AgentHealth> decodeAgentHealth(int status, std::string_view body);
Result<std::string> decodeLeader(std::string_view body);

}  // namespace nc::nomad::codec

namespace nc::nomad::codec {
/// One NDJSON line of the event stream: std::nullopt for a heartbeat `{}`.
Result<std::optional<EventBatch>> decodeEventLine(std::string_view line);
/// topic=...&topic=...&index=N (encoded, without '?').
std::string eventStreamQuery(const std::vector<std::string>& topics, std::uint64_t index);
}  // namespace nc::nomad::codec
