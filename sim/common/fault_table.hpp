// Fault injection by path prefix and per-path request counters, shared by the simulators.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/error.hpp"

namespace nc::sim {

/// One rule: requests whose path starts with `prefix` (and whose method matches, when set)
/// get `latency` added, and with probability `rate` are answered with `status`/`body` or have
/// their connection reset.
struct FaultRule {
  std::string prefix;
  std::string method;  ///< empty = any method
  Duration latency;
  int status = 0;      ///< 0 = no status override
  std::string body;    ///< body sent with `status`; empty = simulator's default error body
  double rate = 1.0;   ///< probability in [0,1] that status/reset applies
  bool reset = false;  ///< drop the connection instead of answering
};

/// What to do with one request.
struct FaultDecision {
  Duration latency;
  int status = 0;
  std::string body;
  bool reset = false;
  bool any() const { return latency.nanos().count() > 0 || status != 0 || reset; }
};

class FaultTable {
 public:
  FaultTable() : rng_(std::random_device{}()) {}
  /// Adds a rule (a rule with the same prefix and method replaces the old one).
  void add(FaultRule rule);
  /// Removes rules for a prefix (all methods); returns how many were removed.
  std::size_t remove(std::string_view prefix);
  void clear() { rules_.clear(); }
  const std::vector<FaultRule>& rules() const { return rules_; }
  /// The longest matching prefix rule decides; latency always applies, status/reset by rate.
  FaultDecision decide(std::string_view method, std::string_view path);

  /// Parses a rule from JSON:
  /// {"prefix","method","latency_ms"|"latency","status","body","rate","reset"}.
  static Result<FaultRule> ruleFromJson(std::string_view json);
  /// `{"faults":[...]}` listing.
  std::string toJson() const;

 private:
  std::vector<FaultRule> rules_;
  std::mt19937_64 rng_;
};

/// Counts requests per path and method.
class RequestCounters {
 public:
  void count(std::string_view method, std::string_view path);
  /// Requests to paths starting with prefix (any method).
  std::uint64_t total(std::string_view prefix = "") const;
  std::uint64_t get(std::string_view method, std::string_view path) const;
  void reset() { counts_.clear(); }
  /// `{"total":N,"paths":{"/v1/x":{"GET":3}}}` limited to paths starting with prefix.
  std::string toJson(std::string_view prefix = "") const;

 private:
  std::map<std::string, std::map<std::string, std::uint64_t>, std::less<>> counts_;
};

}  // namespace nc::sim
