// The shared /_sim/ admin endpoints.
#include "common/admin_api.hpp"

#include <strings.h>

#include "common/json_util.hpp"

namespace nc::sim {

std::optional<std::string> queryValue(const http::ServerRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.query)
    if (k == name) return v;
  return std::nullopt;
}

const std::string* headerValue(const http::ServerRequest& req, std::string_view name) {
  for (const auto& h : req.headers)
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0)
      return &h.value;
  return nullptr;
}

std::optional<http::ServerResponse> handleCommonAdmin(const http::ServerRequest& req,
                                                      FaultTable& faults,
                                                      RequestCounters& counters) {
  if (req.path == "/_sim/faults") {
    if (req.method == "GET") return jsonResponse(200, faults.toJson());
    if (req.method == "POST" || req.method == "PUT") {
      auto rule = FaultTable::ruleFromJson(req.body);
      if (!rule) return errorsResponse(400, {rule.error().message});
      faults.add(std::move(*rule));
      return jsonResponse(200, faults.toJson());
    }
    if (req.method == "DELETE") {
      if (auto p = queryValue(req, "prefix"))
        faults.remove(*p);
      else
        faults.clear();
      return jsonResponse(200, faults.toJson());
    }
    return errorsResponse(405, {"unsupported operation"});
  }
  if (req.path == "/_sim/counters") {
    if (req.method == "GET")
      return jsonResponse(200, counters.toJson(queryValue(req, "prefix").value_or("")));
    if (req.method == "DELETE" || req.method == "POST") {
      counters.reset();
      return emptyResponse(204);
    }
    return errorsResponse(405, {"unsupported operation"});
  }
  return std::nullopt;
}

}  // namespace nc::sim
