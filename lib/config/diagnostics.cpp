// Diagnostics formatting and counting.
#include "config/diagnostics.hpp"

#include <algorithm>

namespace nc::config {

const char* toString(Severity s) {
  return s == Severity::error ? "error" : "warning";
}

std::string SourceRef::toString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
}

std::string Diagnostic::toString() const {
  std::string out = where.toString() + ": ";
  if (severity == Severity::warning) out += "warning: ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

namespace {

/// A message quoting a huge value (a megabyte-long duration) keeps its start and its end.
std::string bounded(std::string message) {
  constexpr std::size_t kHead = 600, kTail = 300;
  if (message.size() <= kHead + kTail + 64) return message;
  return message.substr(0, kHead) + " …(" + std::to_string(message.size() - kHead - kTail) +
         " bytes cut)… " + message.substr(message.size() - kTail);
}

}  // namespace

void Diagnostics::error(SourceRef where, std::string field, std::string message) {
  items_.push_back(
      {Severity::error, std::move(where), std::move(field), bounded(std::move(message))});
}

void Diagnostics::warning(SourceRef where, std::string field, std::string message) {
  items_.push_back(
      {Severity::warning, std::move(where), std::move(field), bounded(std::move(message))});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::size_t Diagnostics::errorCount() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const auto& d) { return d.severity == Severity::error; }));
}

std::size_t Diagnostics::warningCount() const {
  return items_.size() - errorCount();
}

std::string Diagnostics::toString() const {
  std::string out;
  for (const auto& d : items_) out += d.toString() + "\n";
  return out;
}

}  // namespace nc::config
