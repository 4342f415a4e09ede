// Google Benchmark of decoding the list bodies the daemon reads most: GET /v1/jobs (every change
// of the jobs table wakes the job watch with all N stubs) and GET /v1/job/:id/allocations.
// Bodies are shaped like Nomad's (and nomad-sim's) output.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "nomad/codec.hpp"

namespace {

std::string jobList(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) {
    if (i) out += ",";
    out += fmt::format(
        R"({{"ID":"bench-{0:05d}","ParentID":"","Name":"bench-{0:05d}","Namespace":"default",)"
        R"("Datacenters":["dc1"],"NodePool":"default","Multiregion":null,"Type":"service",)"
        R"("Priority":50,"Periodic":false,"ParameterizedJob":false,"Stop":false,)"
        R"("Status":"running","StatusDescription":"","JobSummary":{{"JobID":"bench-{0:05d}",)"
        R"("Namespace":"default","Summary":{{"g":{{"Queued":0,"Complete":0,"Failed":0,)"
        R"("Running":5,"Starting":0,"Lost":0,"Unknown":0}}}},"Children":{{"Pending":0,)"
        R"("Running":0,"Dead":0}},"CreateIndex":{1},"ModifyIndex":{2}}},"CreateIndex":{1},)"
        R"("ModifyIndex":{2},"JobModifyIndex":{1},"SubmitTime":1764400000000000000}})",
        i, 100 + i, 20000 + i);
  }
  return out + "]";
}

std::string allocList(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) {
    if (i) out += ",";
    out += fmt::format(
        R"({{"ID":"6a1e3c2b-0000-4000-8000-{0:012d}","EvalID":"0c9b5a3e-1111-4111-8111-)"
        R"(000000000001","Name":"bench-00001.g[{0}]","Namespace":"default","NodeID":)"
        R"("f3f1c2a0-2222-4222-8222-000000000002","NodeName":"client-1","JobID":"bench-00001",)"
        R"("JobType":"service","JobVersion":0,"TaskGroup":"g","DesiredStatus":"run",)"
        R"("DesiredDescription":"","ClientStatus":"running","ClientDescription":"Tasks are )"
        R"(running","DesiredTransition":{{"Migrate":null,"Reschedule":null,"ForceReschedule":)"
        R"(null,"NoShutdownDelay":null}},"TaskStates":{{"t":{{"State":"running","Failed":false,)"
        R"("Restarts":0,"LastRestart":null,"StartedAt":"2026-11-29T12:00:00Z","FinishedAt":)"
        R"(null,"Events":[{{"Type":"Received","Time":1764400000000000000,"Message":"",)"
        R"("DisplayMessage":"Task received by client","Details":{{}},"FailsTask":false}},)"
        R"({{"Type":"Task Setup","Time":1764400000000000000,"Message":"Building Task )"
        R"(Directory","DisplayMessage":"Building Task Directory","Details":{{}},"FailsTask":)"
        R"(false}},{{"Type":"Started","Time":1764400000000000000,"Message":"","DisplayMessage":)"
        R"("Task started by client","Details":{{}},"FailsTask":false}}]}}}},"DeploymentStatus":)"
        R"(null,"FollowupEvalID":"","NextAllocation":"","RescheduleTracker":null,)"
        R"("PreemptedAllocations":null,"PreemptedByAllocation":"","CreateIndex":{1},)"
        R"("ModifyIndex":{1},"CreateTime":1764400000000000000,"ModifyTime":1764400000000000000}})",
        i, 300 + i);
  }
  return out + "]";
}

/// Decodes a body of state.range(0) items made by `make`; the item count is checked.
template <auto decode>
void decodeBody(benchmark::State& state, std::string (*make)(int)) {
  const std::string body = make(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto r = decode(body);
    if (!r || r->size() != static_cast<std::size_t>(state.range(0))) state.SkipWithError("decode");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["body_MB"] = static_cast<double>(body.size()) / 1e6;
}

void BM_DecodeJobStubs(benchmark::State& state) {
  decodeBody<nc::nomad::codec::decodeJobStubs>(state, jobList);
}
BENCHMARK(BM_DecodeJobStubs)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_DecodeAllocStubs(benchmark::State& state) {
  decodeBody<nc::nomad::codec::decodeAllocStubs>(state, allocList);
}
BENCHMARK(BM_DecodeAllocStubs)->Arg(5)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
