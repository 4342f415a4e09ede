// NomadAllocationReader: the scanner's reads expressed with NomadApi calls.
#include "certs/allocation_reader.hpp"

namespace nc::certs {
namespace {

class NomadAllocationReader final : public AllocationReader {
 public:
  NomadAllocationReader(nomad::NomadApiPtr api, Duration execTimeout)
      : api_(std::move(api)), execTimeout_(execTimeout) {}

  boost::asio::awaitable<Result<std::vector<nomad::Allocation>>> jobAllocations(
      std::string job, std::string nomadNamespace) override {
    nomad::QueryOptions q;
    q.nomadNamespace = nomadNamespace;
    auto r = co_await api_->jobAllocations(job, q);
    if (!r) co_return r.error();
    co_return std::move(r->value);
  }

  boost::asio::awaitable<Result<nomad::FileInfo>> stat(std::string allocId,
                                                       std::string path) override {
    co_return co_await api_->statFile(allocId, path);
  }

  boost::asio::awaitable<Result<std::string>> cat(std::string allocId, std::string path) override {
    co_return co_await api_->catFile(allocId, path);
  }

  boost::asio::awaitable<Result<std::string>> execCat(std::string allocId, std::string task,
                                                      std::string taskPath) override {
    nomad::ExecOptions opts;
    opts.timeout = execTimeout_;
    opts.maxOutputBytes = 1024 * 1024;
    std::vector<std::string> command;  // (no braced init lists in coroutines: g++ 12 bug)
    command.push_back("cat");
    command.push_back(taskPath);
    auto r = co_await api_->exec(allocId, task, std::move(command), opts);
    if (!r) co_return r.error();
    if (r->exitCode != 0) {
      std::string err = r->stderrData.substr(0, 200);
      co_return Error(errc::not_found, "cat " + taskPath + " exited with " +
                                           std::to_string(r->exitCode) + ": " + err);
    }
    co_return std::move(r->stdoutData);
  }

 private:
  nomad::NomadApiPtr api_;
  Duration execTimeout_;
};

}  // namespace

AllocationReaderPtr makeNomadAllocationReader(nomad::NomadApiPtr api, Duration execTimeout) {
  return std::make_shared<NomadAllocationReader>(std::move(api), execTimeout);
}

}  // namespace nc::certs
