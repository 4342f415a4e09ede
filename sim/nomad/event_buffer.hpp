// The event stream's buffer: raft-index-grouped events, bounded like Nomad's event_buffer_size.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace nc::nomadsim {

struct Event {
  std::string topic;  ///< Job, Evaluation, Allocation, Deployment, Variable
  std::string type;   ///< JobRegistered, PlanResult, ...
  std::string key;
  std::string nameSpace;
  std::vector<std::string> filterKeys;
  std::uint64_t index = 0;
  std::string payloadJson;  ///< {"Job": {...}} etc.
};

/// One topic filter: topic (or "*") and key (or "*").
struct TopicFilter {
  std::string topic;
  std::string key;
};

struct EventFilter {
  std::vector<TopicFilter> topics;    ///< empty = all topics
  std::string nameSpace = "default";  ///< "*" = all
  bool matches(const Event& e) const;
};

class EventBuffer {
 public:
  explicit EventBuffer(std::size_t capacity = 100) : capacity_(capacity) {}

  /// Appends one raft entry's events (all with the same index).
  void publish(std::uint64_t index, std::vector<Event> events);

  /// The NDJSON line for the first entry with index >= from that has matching events, and the
  /// index of that entry; empty line when there is none. Older-than-buffer `from` starts at the
  /// oldest entry, as Nomad does.
  std::pair<std::string, std::uint64_t> next(std::uint64_t from, const EventFilter& filter) const;

  std::uint64_t lastIndex() const { return entries_.empty() ? 0 : entries_.back().index; }
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::uint64_t index;
    std::vector<Event> events;
  };
  std::size_t capacity_;
  std::deque<Entry> entries_;
};

/// Parses "Job:web" / "Job" / "*" into a filter; false for a malformed topic (two colons).
bool parseTopic(const std::string& text, TopicFilter& out);

}  // namespace nc::nomadsim
