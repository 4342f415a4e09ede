// spdlog setup; the JSON formatter escapes through RapidJSON so a message can never break a line.
#include "core/logging.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace nc::logging {
namespace {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("ts");
    auto secs = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch());
    w.Double(static_cast<double>(secs.count()) / 1e6);
    w.Key("level");
    auto lvl = spdlog::level::to_string_view(msg.level);
    w.String(lvl.data(), static_cast<rapidjson::SizeType>(lvl.size()));
    if (msg.logger_name.size() > 0) {
      w.Key("logger");
      w.String(msg.logger_name.data(), static_cast<rapidjson::SizeType>(msg.logger_name.size()));
    }
    w.Key("msg");
    w.String(msg.payload.data(), static_cast<rapidjson::SizeType>(msg.payload.size()));
    w.EndObject();
    dest.append(buf.GetString(), buf.GetString() + buf.GetSize());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

Result<Format> parseFormat(std::string_view s) {
  if (s == "auto") return Format::automatic;
  if (s == "text") return Format::text;
  if (s == "json") return Format::json;
  return Error(errc::invalid_argument,
               "unknown log format \"" + std::string(s) + "\" (expected auto, text or json)");
}

Result<std::string> parseLevel(std::string_view s) {
  static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
  for (auto l : kLevels)
    if (s == l) return std::string(s);
  return Error(errc::invalid_argument,
               "unknown log level \"" + std::string(s) +
                   "\" (expected trace, debug, info, warn, error, critical or off)");
}

void setup(const Options& options) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  bool json = options.format == Format::json ||
              (options.format == Format::automatic && !::isatty(STDERR_FILENO));
  if (json)
    sink->set_formatter(std::make_unique<JsonFormatter>());
  else
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%H:%M:%S.%e %^%-5l%$ %v"));
  auto logger = std::make_shared<spdlog::logger>("nomad-certd", sink);
  logger->set_level(spdlog::level::from_str(options.level));
  spdlog::set_default_logger(logger);
}

}  // namespace nc::logging
