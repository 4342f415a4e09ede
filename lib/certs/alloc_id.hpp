// AllocId: a Nomad allocation ID as the scanner keeps it, one per watched certificate for the
// daemon's life (in its row, its cache key and its job's kept listing). Nomad makes them as
// lower-case UUIDs: those are held as their 16 bytes, without a heap block. Any other text (a
// hand-made ID, a peer that spells them otherwise) is held as given, so nothing is lost.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace nc::certs {

class AllocId {
 public:
  AllocId() = default;
  // Implicit, as it stands in for the ID's text.
  AllocId(std::string_view text);                                        // NOLINT
  AllocId(const std::string& text) : AllocId(std::string_view(text)) {}  // NOLINT
  AllocId(const char* text) : AllocId(std::string_view(text)) {}         // NOLINT
  AllocId(const AllocId& o);
  AllocId(AllocId&&) noexcept = default;
  AllocId& operator=(const AllocId& o);
  AllocId& operator=(AllocId&&) noexcept = default;

  /// The ID as Nomad spells it.
  std::string str() const;
  bool empty() const { return !other_ && hi_ == 0 && lo_ == 0; }
  std::size_t hash() const;

  friend bool operator==(const AllocId& a, const AllocId& b);
  friend std::ostream& operator<<(std::ostream& out, const AllocId& id) { return out << id.str(); }

 private:
  // The UUID's bytes, big-endian halves; both zero with no text: the empty ID. The nil UUID
  // itself is kept as text, so that it is not taken for the empty ID.
  std::uint64_t hi_ = 0, lo_ = 0;
  std::unique_ptr<std::string> other_;  // set: not a lower-case UUID, kept as given
};

}  // namespace nc::certs

template <>
struct std::hash<nc::certs::AllocId> {
  std::size_t operator()(const nc::certs::AllocId& id) const { return id.hash(); }
};
