// The last status of every declared resource, with running counts per kind and state: the
// gauges and /readyz read the counts instead of walking every status (10k jobs) on each wake.
#pragma once

#include <array>
#include <cstddef>
#include <map>

#include "reconcile/resource.hpp"

namespace nc::reconcile {

class StatusTable {
 public:
  using Map = std::map<ResourceKey, ResourceStatus>;
  static constexpr std::size_t kKinds = static_cast<std::size_t>(Kind::job) + 1;
  static constexpr std::size_t kStates = static_cast<std::size_t>(State::error) + 1;

  void set(const ResourceKey& key, ResourceStatus s) {
    auto [it, added] = map_.try_emplace(key);
    if (!added) --slot(it->first.kind, it->second.state);
    ++slot(key.kind, s.state);
    it->second = std::move(s);
  }
  void erase(const ResourceKey& key) {
    if (auto it = map_.find(key); it != map_.end()) erase(it);
  }
  /// Drops every status whose key `keep` refuses.
  template <class Keep>
  void keepOnly(Keep keep) {
    for (auto it = map_.begin(); it != map_.end();)
      it = keep(it->first) ? std::next(it) : erase(it);
  }

  const Map& all() const { return map_; }
  std::size_t count(Kind k, State s) const {
    return counts_[static_cast<std::size_t>(k)][static_cast<std::size_t>(s)];
  }
  std::size_t errors() const {
    std::size_t n = 0;
    for (const auto& perKind : counts_) n += perKind[static_cast<std::size_t>(State::error)];
    return n;
  }

 private:
  Map::iterator erase(Map::iterator it) {
    --slot(it->first.kind, it->second.state);
    return map_.erase(it);
  }
  std::size_t& slot(Kind k, State s) {
    return counts_[static_cast<std::size_t>(k)][static_cast<std::size_t>(s)];
  }

  Map map_;
  std::array<std::array<std::size_t, kStates>, kKinds> counts_{};
};

}  // namespace nc::reconcile
