// Nomad event stream codec: one NDJSON line to an EventBatch, and the subscription query.
// Kept apart from the stream client (coroutines) so the fuzz targets build it alone.
#include "nomad/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad::codec {

Result<std::optional<EventBatch>> decodeEventLine(std::string_view line) {
  auto doc = json::parse(line, "nomad event stream line");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "event line", st);
  if (st.error) return *st.error;
  if (doc->MemberCount() == 0) return std::optional<EventBatch>();  // heartbeat
  EventBatch b;
  b.index = f.u64("Index", json::Need::required);
  const auto* events = f.value("Events");
  if (!events || !events->IsArray()) {
    st.fail("Events",
            events ? std::string("expected array, got ") + json::typeName(*events) : "is missing");
    return *st.error;
  }
  for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
    auto e = json::rootObject((*events)[i], "Events[" + std::to_string(i) + "]", st);
    Event ev;
    ev.topic = e.str("Topic", json::Need::required);
    ev.type = e.str("Type", json::Need::required);
    ev.key = e.str("Key");
    ev.nomadNamespace = e.str("Namespace");
    ev.filterKeys = e.strings("FilterKeys");
    ev.index = e.u64("Index");
    ev.payloadJson = e.raw("Payload");
    b.events.push_back(std::move(ev));
  }
  if (st.error) return *st.error;
  return std::optional<EventBatch>(std::move(b));
}

std::string eventStreamQuery(const std::vector<std::string>& topics, std::uint64_t index) {
  std::string q;
  for (const auto& t : topics)
    q += (q.empty() ? "" : "&") + std::string("topic=") + http::percentEncode(t);
  if (index > 0) q += (q.empty() ? "" : "&") + std::string("index=") + std::to_string(index);
  return q;
}

}  // namespace nc::nomad::codec
