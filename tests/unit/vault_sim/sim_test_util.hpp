// Helpers for driving VaultSim's handler directly in unit tests.
#pragma once

#include <memory>
#include <string>

#include <rapidjson/document.h>

#include "vault/vault_sim.hpp"

namespace nc::vault_sim::test {

struct Answer {
  int status = 0;
  std::string body;
  rapidjson::Document json;
  const std::string* header(const std::string& name) const;
  nc::http::Headers headers;
};

class SimFixture {
 public:
  explicit SimFixture(UrlFetcher fetcher = {});
  Answer call(const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& token = "root");
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<VaultSim> sim;
};

}  // namespace nc::vault_sim::test
