// The event stream's buffer: raft-index-grouped events, bounded like Nomad's event_buffer_size.
#include "event_buffer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nc::nomadsim {

bool EventFilter::matches(const Event& e) const {
  if (nameSpace != "*" && !e.nameSpace.empty() && e.nameSpace != nameSpace) return false;
  if (topics.empty()) return true;
  for (const auto& t : topics) {
    if (t.topic != "*" && t.topic != e.topic) continue;
    if (t.key == "*" || t.key == e.key) return true;
    for (const auto& fk : e.filterKeys) {
      if (fk == t.key) return true;
    }
  }
  return false;
}

void EventBuffer::publish(std::uint64_t index, std::vector<Event> events) {
  if (events.empty()) return;
  entries_.push_back({index, std::move(events)});
  while (entries_.size() > capacity_) entries_.pop_front();
}

namespace {
std::string quote(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}
}  // namespace

std::pair<std::string, std::uint64_t> EventBuffer::next(std::uint64_t from,
                                                        const EventFilter& filter) const {
  for (const auto& entry : entries_) {
    if (entry.index < from) continue;
    std::string events;
    for (const auto& e : entry.events) {
      if (!filter.matches(e)) continue;
      if (!events.empty()) events += ",";
      std::string fks = "null";
      if (!e.filterKeys.empty()) {
        fks = "[";
        for (std::size_t i = 0; i < e.filterKeys.size(); ++i) {
          fks += (i ? "," : "") + quote(e.filterKeys[i]);
        }
        fks += "]";
      }
      events += "{\"Topic\":" + quote(e.topic) + ",\"Type\":" + quote(e.type) +
                ",\"Key\":" + quote(e.key) + ",\"Namespace\":" + quote(e.nameSpace) +
                ",\"FilterKeys\":" + fks + ",\"Index\":" + std::to_string(e.index) +
                ",\"Payload\":" + e.payloadJson + "}";
    }
    if (events.empty()) continue;
    return {"{\"Index\":" + std::to_string(entry.index) + ",\"Events\":[" + events + "]}\n",
            entry.index};
  }
  return {"", 0};
}

bool parseTopic(const std::string& text, TopicFilter& out) {
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    out = {text, "*"};
    return true;
  }
  if (text.find(':', colon + 1) != std::string::npos) return false;
  out = {text.substr(0, colon), text.substr(colon + 1)};
  if (out.key.empty()) out.key = "*";
  return true;
}

}  // namespace nc::nomadsim
