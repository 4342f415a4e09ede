// spdlog setup; the JSON formatter escapes through RapidJSON so a message can never break a line;
// the journald sink sends structured fields with sd_journal_sendv.
#include "core/logging.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace nc::logging {
namespace {

/// Fields of the event being logged on this thread (spdlog sinks here are synchronous).
thread_local const Fields* tlFields = nullptr;

/// Fields of a logfmt message ("event=drift_detected resource=x fields=[a; b] message=\"..\""),
/// the convention of the reconcile logs. A drift's `fields` list is also given as `drift`.
Fields logfmtFields(std::string_view m) {
  Fields out;
  if (!m.starts_with("event=")) return out;
  std::size_t i = 0;
  while (i < m.size()) {
    while (i < m.size() && m[i] == ' ') ++i;
    std::size_t eq = i;
    while (eq < m.size() && ((m[eq] >= 'a' && m[eq] <= 'z') || m[eq] == '_')) ++eq;
    if (eq == i || eq >= m.size() || m[eq] != '=') break;  // not key=value: stop parsing
    std::string key(m.substr(i, eq - i));
    std::size_t v = eq + 1;
    std::string value;
    if (v < m.size() && (m[v] == '"' || m[v] == '[')) {
      const char close = m[v] == '"' ? '"' : ']';
      std::size_t end = v + 1;
      while (end < m.size() && m[end] != close) {
        if (close == '"' && m[end] == '\\' && end + 1 < m.size()) ++end;
        ++end;
      }
      value = std::string(m.substr(v + 1, end - v - 1));
      i = end + 1;
    } else {
      std::size_t end = m.find(' ', v);
      if (end == std::string_view::npos) end = m.size();
      value = std::string(m.substr(v, end - v));
      i = end;
    }
    out.emplace_back(key, value);
  }
  std::string event = out.empty() ? "" : out.front().second;
  if (event.starts_with("drift_"))
    for (const auto& [k, v] : Fields(out))
      if (k == "fields") out.emplace_back("drift", v);
  return out;
}

/// The fields of this log line: the event's own, or those parsed from a logfmt message.
const Fields* lineFields(const spdlog::details::log_msg& msg, Fields& parsed) {
  if (tlFields) return tlFields;
  parsed = logfmtFields(std::string_view(msg.payload.data(), msg.payload.size()));
  return parsed.empty() ? nullptr : &parsed;
}

std::mutex writerMutex;
std::function<void(const std::vector<std::string>&)> journalWriter;

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
    Fields parsed;
    if (const Fields* fields = lineFields(msg, parsed)) {
      for (const auto& [k, v] : *fields) {
        if (k == "ts" || k == "level" || k == "logger" || k == "msg") continue;
        w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
      }
    }
    w.EndObject();
    dest.append(buf.GetString(), buf.GetString() + buf.GetSize());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

/// Text lines with the fields appended as key=value.
class TextFormatter final : public spdlog::formatter {
 public:
  TextFormatter() : pattern_("%H:%M:%S.%e %^%-5l%$ %v") {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    pattern_.format(msg, dest);
    if (!tlFields || tlFields->empty()) return;
    if (dest.size() > 0 && dest[dest.size() - 1] == '\n') dest.resize(dest.size() - 1);
    for (const auto& [k, v] : *tlFields) {
      std::string part = " " + k + "=" + v;
      dest.append(part.data(), part.data() + part.size());
    }
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  spdlog::pattern_formatter pattern_;
};

int syslogPriority(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;
  }
}

/// journald: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and every structured field.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::vector<std::string> entry;
    entry.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
    entry.push_back("PRIORITY=" + std::to_string(syslogPriority(msg.level)));
    entry.push_back("SYSLOG_IDENTIFIER=nomad-certd");
    Fields parsed;
    if (const Fields* fields = lineFields(msg, parsed))
      for (const auto& [k, v] : *fields) {
        std::string name = journalFieldName(k);
        if (name.empty() || name == "MESSAGE" || name == "PRIORITY" || name == "SYSLOG_IDENTIFIER")
          continue;
        entry.push_back(name + "=" + v);
      }
    std::lock_guard lock(writerMutex);
    if (journalWriter) {
      journalWriter(entry);
      return;
    }
    std::vector<iovec> iov(entry.size());
    for (std::size_t i = 0; i < entry.size(); ++i) iov[i] = {entry[i].data(), entry[i].size()};
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
  }
  void flush_() override {}
};

spdlog::level::level_enum toSpdlog(Level l) {
  switch (l) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

bool stderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace

Result<Format> parseFormat(std::string_view s) {
  if (s == "auto") return Format::automatic;
  if (s == "text") return Format::text;
  if (s == "json") return Format::json;
  if (s == "journal") return Format::journal;
  return Error(errc::invalid_argument, "unknown log format \"" + std::string(s) +
                                           "\" (expected auto, text, json or journal)");
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

Format resolveFormat(Format format) {
  if (format != Format::automatic) return format;
  if (stderrIsJournal()) return Format::journal;
  return ::isatty(STDERR_FILENO) ? Format::text : Format::json;
}

void setup(const Options& options) {
  spdlog::sink_ptr sink;
  switch (resolveFormat(options.format)) {
    case Format::journal:
      sink = std::make_shared<JournalSink>();
      break;
    case Format::json:
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      sink->set_formatter(std::make_unique<JsonFormatter>());
      break;
    default:
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      sink->set_formatter(std::make_unique<TextFormatter>());
      break;
  }
  auto logger = std::make_shared<spdlog::logger>("nomad-certd", sink);
  logger->set_level(spdlog::level::from_str(options.level));
  spdlog::set_default_logger(logger);
}

void event(Level level, std::string_view message, const Fields& fields) {
  const Fields* saved = tlFields;
  tlFields = &fields;
  spdlog::default_logger_raw()->log(toSpdlog(level),
                                    spdlog::string_view_t(message.data(), message.size()));
  tlFields = saved;
}

std::string journalFieldName(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c >= 'a' && c <= 'z')
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
      out.push_back(c);
    else
      out.push_back('_');
  }
  while (!out.empty() && (out.front() == '_' || (out.front() >= '0' && out.front() <= '9')))
    out.erase(0, 1);
  if (out.size() > 64) out.resize(64);
  return out;
}

void setJournalWriterForTest(std::function<void(const std::vector<std::string>&)> writer) {
  std::lock_guard lock(writerMutex);
  journalWriter = std::move(writer);
}

}  // namespace nc::logging
