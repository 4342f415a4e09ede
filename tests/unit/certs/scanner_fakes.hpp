// Test doubles of the certificate scanner's tests: an AllocationReader over in-memory files
// holding real certificates, allocation builders, and a fixture running one scan at a time.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "certs/certificate_scanner.hpp"
#include "support/test_pki.hpp"

namespace nc::certs::testing_support {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class FakeReader final : public AllocationReader {
 public:
  struct File {
    std::string content, modTime = "2026-01-01T00:00:00Z";
  };
  std::map<std::string, std::vector<nomad::Allocation>> allocs;  // by job
  std::map<std::string, File> files;                             // "alloc/path"
  std::vector<std::string> failingJobs;
  int cats = 0, execs = 0;
  bool yield = false;  // each read suspends once, as a network read would
  int inFlight = 0, maxInFlight = 0;
  std::vector<std::string> listed, calls;  // calls: "list"/"stat"/"cat" in arrival order
  int listsInFlight = 0, maxListsInFlight = 0;
  std::function<void(const std::string&)> whileListing;  // runs before a list is answered

  asio::awaitable<void> pause() {
    maxInFlight = std::max(maxInFlight, ++inFlight);
    if (yield) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    --inFlight;
  }
  asio::awaitable<Result<std::vector<nomad::Allocation>>> jobAllocations(std::string job,
                                                                         std::string) override {
    calls.push_back("list");
    maxListsInFlight = std::max(maxListsInFlight, ++listsInFlight);
    co_await pause();
    --listsInFlight;
    if (whileListing) whileListing(job);
    listed.push_back(job);
    if (std::find(failingJobs.begin(), failingJobs.end(), job) != failingJobs.end())
      co_return Error(errc::connection_failed, "connection refused");
    co_return allocs[job];
  }
  asio::awaitable<Result<nomad::FileInfo>> stat(std::string alloc, std::string path) override {
    calls.push_back("stat");
    co_await pause();
    auto it = files.find(alloc + "/" + path);
    if (it == files.end()) co_return Error(errc::not_found, "stat " + path + ": no such file");
    nomad::FileInfo fi;
    fi.name = path;
    fi.size = static_cast<std::int64_t>(it->second.content.size());
    fi.modTime = it->second.modTime;
    co_return fi;
  }
  asio::awaitable<Result<std::string>> cat(std::string alloc, std::string path) override {
    co_await pause();
    ++cats;
    EXPECT_FALSE(needsExec(path.substr(path.find('/') + 1))) << "fs cat of a secret: " << path;
    co_return files.at(alloc + "/" + path).content;
  }
  asio::awaitable<Result<std::string>> execCat(std::string alloc, std::string task,
                                               std::string path) override {
    ++execs;
    co_return files.at(alloc + "/" + task + "/" + path).content;
  }
};

inline nomad::Allocation running(const std::string& id, const std::string& job) {
  nomad::Allocation a;
  a.id = id;
  a.jobId = job;
  a.desiredStatus = "run";
  a.clientStatus = "running";
  a.taskStates["server"].state = "running";
  return a;
}

// An allocation whose task was killed because its template could not be rendered.
inline nomad::Allocation templateFailed(const std::string& id, const std::string& job) {
  nomad::Allocation a = running(id, job);
  a.clientStatus = "failed";
  nomad::TaskEvent ev;
  ev.type = "Killing";
  ev.displayMessage = "Template failed: pki-int/issue/nomad-job: permission denied";
  a.taskStates["server"].events = {ev};
  return a;
}

inline CertificateSpec spec(const std::string& job, const std::string& path) {
  CertificateSpec s;
  s.job = job;
  s.task = "server";
  s.path = path;
  s.commonName = "${NOMAD_JOB_NAME}.service.consul";
  return s;
}

class ScannerTestBase : public ::testing::Test {
 protected:
  explicit ScannerTestBase(ScanOptions options) : scanner_(reader_, clock_, options) {}

  ScanResult scan(std::vector<CertificateSpec> specs) {
    return scanWith(std::move(specs), {{"pki-int", pki_.caChainPem()}});
  }
  ScanResult scanWith(std::vector<CertificateSpec> specs,
                      std::map<std::string, std::string> chains) {
    return scanShared(std::make_shared<const std::vector<CertificateSpec>>(std::move(specs)),
                      std::move(chains));
  }
  ScanResult scanShared(CertificateSpecs specs, std::map<std::string, std::string> chains) {
    asio::io_context io;
    auto fut =
        asio::co_spawn(io, scanner_.scan(std::move(specs), std::move(chains)), asio::use_future);
    io.run();
    return fut.get();
  }
  const CertificateRow* row(const ScanResult& r, const std::string& alloc) {
    for (const auto& row : r.rows)
      if (row->allocId == alloc) return row.get();
    return nullptr;
  }
  testing::TestPki pki_;
  std::shared_ptr<FakeReader> reader_ = std::make_shared<FakeReader>();
  std::shared_ptr<ManualClock> clock_ =
      std::make_shared<ManualClock>(std::chrono::system_clock::now());
  CertificateScanner scanner_;
};

}  // namespace nc::certs::testing_support
