// EventSpool: the durable, bounded event queue. An event counts as accepted only once it is
// appended and fsync'd; each sink reads from its own durable cursor, so delivery is at least
// once across crashes and restarts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::events {

struct SpoolOptions {
  std::size_t maxBytes = 64 * 1024 * 1024;     ///< appends beyond this fail with too_large
  std::size_t segmentBytes = 4 * 1024 * 1024;  ///< a new segment file starts after this size
  std::size_t maxRecordBytes = 1024 * 1024;
};

struct SpoolRecord {
  std::uint64_t seq = 0;
  std::string payload;
};

/// What opening found: corrupt data is skipped and reported, never fatal.
struct SpoolRecovery {
  std::size_t records = 0;            ///< valid records found
  std::size_t corruptRecords = 0;     ///< records skipped because their checksum or frame was bad
  std::size_t truncatedBytes = 0;     ///< torn tail removed from the last segment
  std::vector<std::string> messages;  ///< one line per problem, naming file and offset
};

class EventSpool {
 public:
  /// Opens (creating with mode 0700) the spool directory, scans its segments and loads each
  /// sink's cursor. A new sink starts at the oldest retained event.
  static Result<std::unique_ptr<EventSpool>> open(std::filesystem::path dir,
                                                  std::vector<std::string> sinks,
                                                  SpoolOptions options = {});
  ~EventSpool();
  EventSpool(const EventSpool&) = delete;
  EventSpool& operator=(const EventSpool&) = delete;

  /// Appends and fsyncs one event. Errors: too_large (record or spool full), io_error (disk
  /// full, fsync failure); a failed append leaves no partial record behind.
  Result<std::uint64_t> append(std::string_view payload);

  /// Up to `max` events after the sink's cursor, oldest first.
  Result<std::vector<SpoolRecord>> peek(const std::string& sink, std::size_t max);
  /// Marks every event up to and including seq as delivered to the sink (durably), then
  /// deletes segments no sink needs any more.
  Result<void> ack(const std::string& sink, std::uint64_t seq);

  std::size_t depth(const std::string& sink) const;
  std::size_t bytes() const { return totalBytes_; }
  const SpoolRecovery& recovery() const { return recovery_; }
  const std::vector<std::string>& sinks() const { return sinkNames_; }

 private:
  struct Segment;
  struct IndexEntry {
    std::uint64_t seq;
    std::uint64_t segment;  // key of segments_
    std::uint64_t offset;
    std::uint32_t length;
  };
  EventSpool(std::filesystem::path dir, SpoolOptions options);
  Result<void> load(std::vector<std::string> sinks);
  Result<void> scanSegment(Segment& segment, bool last);
  Result<void> startSegment(std::uint64_t firstSeq);
  Result<void> writeCursor(const std::string& sink, std::uint64_t seq);
  void compact();

  std::filesystem::path dir_;
  SpoolOptions options_;
  std::map<std::uint64_t, std::unique_ptr<Segment>> segments_;  // by first seq
  std::vector<IndexEntry> index_;                               // retained events, ascending seq
  std::map<std::string, std::uint64_t> cursors_;
  std::vector<std::string> sinkNames_;
  std::uint64_t nextSeq_ = 1;
  std::size_t totalBytes_ = 0;
  SpoolRecovery recovery_;
};

}  // namespace nc::events
