#include "certs/alloc_id.hpp"

namespace nc::certs {
namespace {

constexpr std::size_t kUuidLength = 36;

bool isDash(std::size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: it would not be spelled back the same
}

/// The 32 hex digits of a canonical lower-case UUID as two halves; false for any other text.
bool parseUuid(std::string_view text, std::uint64_t& hi, std::uint64_t& lo) {
  if (text.size() != kUuidLength) return false;
  std::uint64_t halves[2] = {0, 0};
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (isDash(i)) {
      if (text[i] != '-') return false;
      continue;
    }
    const int d = hexDigit(text[i]);
    if (d < 0) return false;
    std::uint64_t& half = halves[digits / 16];
    half = (half << 4) | static_cast<std::uint64_t>(d);
    ++digits;
  }
  hi = halves[0];
  lo = halves[1];
  return hi != 0 || lo != 0;
}

}  // namespace

AllocId::AllocId(std::string_view text) {
  if (text.empty() || parseUuid(text, hi_, lo_)) return;
  hi_ = lo_ = 0;
  other_ = std::make_unique<std::string>(text);
}

AllocId::AllocId(const AllocId& o)
    : hi_(o.hi_),
      lo_(o.lo_),
      other_(o.other_ ? std::make_unique<std::string>(*o.other_) : nullptr) {}

AllocId& AllocId::operator=(const AllocId& o) {
  if (this != &o) *this = AllocId(o);
  return *this;
}

std::string AllocId::str() const {
  if (other_) return *other_;
  if (empty()) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kUuidLength, '-');
  std::size_t digit = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (isDash(i)) continue;
    const std::uint64_t half = digit < 16 ? hi_ : lo_;
    out[i] = kHex[(half >> (4 * (15 - digit % 16))) & 0xf];
    ++digit;
  }
  return out;
}

std::size_t AllocId::hash() const {
  if (other_) return std::hash<std::string>{}(*other_);
  // UUIDs are random already (v4); the multiply spreads a hand-made one's few set bits.
  return static_cast<std::size_t>((hi_ ^ (lo_ * 0x9e3779b97f4a7c15ULL)));
}

bool operator==(const AllocId& a, const AllocId& b) {
  if (a.other_ || b.other_) return a.other_ && b.other_ && *a.other_ == *b.other_;
  return a.hi_ == b.hi_ && a.lo_ == b.lo_;
}

}  // namespace nc::certs
