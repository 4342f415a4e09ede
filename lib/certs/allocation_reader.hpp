// AllocationReader: the four Nomad reads the certificate scanner needs, so it is tested with a
// small fake; NomadAllocationReader adapts the full NomadApi.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "nomad/nomad_api.hpp"

namespace nc::certs {

class AllocationReader {
 public:
  virtual ~AllocationReader() = default;
  virtual boost::asio::awaitable<Result<std::vector<nomad::Allocation>>> jobAllocations(
      std::string job, std::string nomadNamespace) = 0;
  /// stat of a path relative to the allocation dir.
  virtual boost::asio::awaitable<Result<nomad::FileInfo>> stat(std::string allocId,
                                                               std::string path) = 0;
  /// Content of a non-secret path (fs cat).
  virtual boost::asio::awaitable<Result<std::string>> cat(std::string allocId,
                                                          std::string path) = 0;
  /// Content read inside the task (exec `cat`), for secrets/ and private/ paths.
  virtual boost::asio::awaitable<Result<std::string>> execCat(std::string allocId, std::string task,
                                                              std::string taskPath) = 0;
};
using AllocationReaderPtr = std::shared_ptr<AllocationReader>;

AllocationReaderPtr makeNomadAllocationReader(nomad::NomadApiPtr api, Duration execTimeout);

}  // namespace nc::certs
