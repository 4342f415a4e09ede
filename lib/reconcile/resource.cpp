// Names of kinds and states, resource keys as text, report counts.
#include "reconcile/resource.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace nc::reconcile {
namespace {
constexpr std::array<std::pair<Kind, const char*>, 6> kKinds{{
    {Kind::mount, "vault_mount"},
    {Kind::pkiRole, "vault_pki_role"},
    {Kind::policy, "vault_policy"},
    {Kind::authMethod, "vault_auth"},
    {Kind::authRole, "vault_auth_role"},
    {Kind::job, "nomad_job"},
}};
}  // namespace

const char* toString(Kind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "unknown";
}

std::optional<Kind> kindFromString(std::string_view s) {
  for (const auto& [kind, name] : kKinds)
    if (s == name) return kind;
  return std::nullopt;
}

std::string ResourceKey::toString() const {
  return std::string(reconcile::toString(kind)) + ":" + name;
}

std::optional<ResourceKey> ResourceKey::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto k = kindFromString(text.substr(0, colon));
  if (!k || colon + 1 >= text.size()) return std::nullopt;
  return ResourceKey{*k, std::string(text.substr(colon + 1))};
}

const char* toString(State s) {
  switch (s) {
    case State::inSync:
      return "in_sync";
    case State::drifted:
      return "drifted";
    case State::error:
      return "error";
  }
  return "error";
}

std::size_t PlanReport::count(State s) const {
  return static_cast<std::size_t>(std::count_if(resources.begin(), resources.end(),
                                                [s](const auto& r) { return r.state == s; }));
}

std::size_t PlanReport::changedCount() const {
  return static_cast<std::size_t>(
      std::count_if(resources.begin(), resources.end(), [](const auto& r) { return r.changed; }));
}

}  // namespace nc::reconcile
