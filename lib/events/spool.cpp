// EventSpool on disk: segment files of framed, checksummed records plus one cursor file per sink.
// Record frame: magic(4) length(4) seq(8) crc32(4) payload(length); the magic lets a scan
// resynchronise after a corrupt record instead of losing the rest of the segment.
#include "events/spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace nc::events {
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kMagic = 0x5645434e;  // "NCEV" little-endian
constexpr std::size_t kHeader = 20;

std::uint32_t checksum(std::uint64_t seq, std::string_view payload) {
  boost::crc_32_type crc;
  crc.process_bytes(&seq, sizeof seq);
  crc.process_bytes(payload.data(), payload.size());
  return crc.checksum();
}

Error sysError(const std::string& what, const fs::path& p) {
  return Error(errc::io_error, what + " " + p.string() + ": " + std::strerror(errno));
}

std::string segmentName(std::uint64_t firstSeq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "segment-%020llu.log", static_cast<unsigned long long>(firstSeq));
  return buf;
}

bool writeAll(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

void syncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

struct EventSpool::Segment {
  std::uint64_t firstSeq = 0;
  fs::path path;
  int fd = -1;
  std::uint64_t size = 0;
  std::uint64_t lastSeq = 0;
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
};

EventSpool::EventSpool(fs::path dir, SpoolOptions options)
    : dir_(std::move(dir)), options_(options) {}
EventSpool::~EventSpool() = default;

Result<std::unique_ptr<EventSpool>> EventSpool::open(fs::path dir, std::vector<std::string> sinks,
                                                     SpoolOptions options) {
  std::unique_ptr<EventSpool> spool(new EventSpool(std::move(dir), options));
  auto r = spool->load(std::move(sinks));
  if (!r) return r.error();
  return spool;
}

Result<void> EventSpool::load(std::vector<std::string> sinks) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    return Error(errc::io_error, "cannot create spool dir " + dir_.string() + ": " + ec.message());
  ::chmod(dir_.c_str(), 0700);
  if (::access(dir_.c_str(), W_OK) != 0) return sysError("spool dir not writable:", dir_);

  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.path().filename().string().starts_with("segment-")) files.push_back(entry.path());
  if (ec) return Error(errc::io_error, "cannot list " + dir_.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto seg = std::make_unique<Segment>();
    seg->path = files[i];
    seg->firstSeq = std::strtoull(files[i].filename().string().c_str() + 8, nullptr, 10);
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (seg->fd < 0) return sysError("cannot open", seg->path);
    auto r = scanSegment(*seg, i + 1 == files.size());
    if (!r) return r;
    totalBytes_ += seg->size;
    segments_.emplace(seg->firstSeq, std::move(seg));
  }
  if (!index_.empty()) nextSeq_ = index_.back().seq + 1;
  for (const auto& [first, seg] : segments_) nextSeq_ = std::max(nextSeq_, seg->lastSeq + 1);

  sinkNames_ = std::move(sinks);
  for (const auto& sink : sinkNames_) {
    std::uint64_t cursor = index_.empty() ? nextSeq_ - 1 : index_.front().seq - 1;
    std::ifstream in(dir_ / ("cursor-" + sink));
    if (in) {
      std::uint64_t saved = 0;
      if (in >> saved)
        cursor = std::clamp(saved, index_.empty() ? 0 : index_.front().seq - 1, nextSeq_ - 1);
      else
        recovery_.messages.push_back("cursor of sink " + sink + " unreadable; re-sending");
    }
    cursors_[sink] = cursor;
  }
  recovery_.records = index_.size();
  return {};
}

Result<void> EventSpool::scanSegment(Segment& seg, bool last) {
  struct stat st {};
  if (::fstat(seg.fd, &st) != 0) return sysError("cannot stat", seg.path);
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  if (!data.empty() && ::pread(seg.fd, data.data(), data.size(), 0) != st.st_size)
    return sysError("cannot read", seg.path);

  std::size_t pos = 0, lastGood = 0;
  bool skipping = false;
  while (pos + kHeader <= data.size()) {
    std::uint32_t magic, len, crc;
    std::uint64_t seq;
    std::memcpy(&magic, &data[pos], 4);
    std::memcpy(&len, &data[pos + 4], 4);
    std::memcpy(&seq, &data[pos + 8], 8);
    std::memcpy(&crc, &data[pos + 16], 4);
    bool framed =
        magic == kMagic && len <= options_.maxRecordBytes && pos + kHeader + len <= data.size();
    if (framed && checksum(seq, std::string_view(&data[pos + kHeader], len)) == crc) {
      if (skipping) skipping = false;
      index_.push_back({seq, seg.firstSeq, pos, len});
      seg.lastSeq = std::max(seg.lastSeq, seq);
      pos += kHeader + len;
      lastGood = pos;
      continue;
    }
    if (!skipping) {
      skipping = true;
      ++recovery_.corruptRecords;
      recovery_.messages.push_back("corrupt record in " + seg.path.string() + " at offset " +
                                   std::to_string(pos) + "; skipped");
    }
    ++pos;  // resynchronise on the next magic
  }
  if (last && lastGood < data.size()) {
    // A torn write at the tail was never acknowledged: cut it off so appends continue cleanly.
    recovery_.truncatedBytes = data.size() - lastGood;
    if (!skipping)
      recovery_.messages.push_back("truncated tail of " + std::to_string(recovery_.truncatedBytes) +
                                   " bytes in " + seg.path.string() + " removed");
    if (::ftruncate(seg.fd, static_cast<off_t>(lastGood)) != 0)
      return sysError("cannot truncate", seg.path);
    seg.size = lastGood;
  } else {
    seg.size = data.size();
  }
  return {};
}

Result<void> EventSpool::startSegment(std::uint64_t firstSeq) {
  auto seg = std::make_unique<Segment>();
  seg->firstSeq = firstSeq;
  seg->path = dir_ / segmentName(firstSeq);
  seg->fd = ::open(seg->path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (seg->fd < 0) return sysError("cannot create", seg->path);
  syncDir(dir_);
  segments_.emplace(firstSeq, std::move(seg));
  return {};
}

Result<std::uint64_t> EventSpool::append(std::string_view payload) {
  if (payload.size() > options_.maxRecordBytes)
    return Error(errc::too_large,
                 "event of " + std::to_string(payload.size()) + " bytes is over the record limit");
  std::size_t recordBytes = kHeader + payload.size();
  if (totalBytes_ + recordBytes > options_.maxBytes) compact();
  if (totalBytes_ + recordBytes > options_.maxBytes)
    return Error(errc::too_large, "event spool " + dir_.string() + " is full (" +
                                      std::to_string(totalBytes_) + " bytes undelivered)");
  if (segments_.empty() || segments_.rbegin()->second->size >= options_.segmentBytes) {
    auto r = startSegment(nextSeq_);
    if (!r) return r.error();
  }
  Segment& seg = *segments_.rbegin()->second;
  std::uint64_t seq = nextSeq_;
  std::uint32_t len = static_cast<std::uint32_t>(payload.size());
  std::uint32_t crc = checksum(seq, payload);
  std::string frame(kHeader, '\0');
  std::memcpy(&frame[0], &kMagic, 4);
  std::memcpy(&frame[4], &len, 4);
  std::memcpy(&frame[8], &seq, 8);
  std::memcpy(&frame[16], &crc, 4);
  frame.append(payload);
  if (!writeAll(seg.fd, frame.data(), frame.size()) || ::fdatasync(seg.fd) != 0) {
    Error e = sysError("cannot append event to", seg.path);
    if (::ftruncate(seg.fd, static_cast<off_t>(seg.size)) != 0) {  // leave no torn record
      e.message += " (and could not remove the partial record)";
    }
    return e;
  }
  index_.push_back({seq, seg.firstSeq, seg.size, len});
  seg.size += frame.size();
  seg.lastSeq = seq;
  totalBytes_ += frame.size();
  ++nextSeq_;
  return seq;
}

Result<std::vector<SpoolRecord>> EventSpool::peek(const std::string& sink, std::size_t max) {
  auto c = cursors_.find(sink);
  if (c == cursors_.end()) return Error(errc::not_found, "unknown sink " + sink);
  std::vector<SpoolRecord> out;
  auto it = std::upper_bound(index_.begin(), index_.end(), c->second,
                             [](std::uint64_t s, const IndexEntry& e) { return s < e.seq; });
  for (; it != index_.end() && out.size() < max; ++it) {
    const Segment& seg = *segments_.at(it->segment);
    SpoolRecord rec{it->seq, std::string(it->length, '\0')};
    if (::pread(seg.fd, rec.payload.data(), it->length, static_cast<off_t>(it->offset + kHeader)) !=
        static_cast<ssize_t>(it->length))
      return sysError("cannot read event from", seg.path);
    out.push_back(std::move(rec));
  }
  return out;
}

Result<void> EventSpool::writeCursor(const std::string& sink, std::uint64_t seq) {
  fs::path path = dir_ / ("cursor-" + sink);
  fs::path tmp = dir_ / ("cursor-" + sink + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return sysError("cannot write", tmp);
  std::string text = std::to_string(seq) + "\n";
  bool ok = writeAll(fd, text.data(), text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return sysError("cannot save cursor", path);
  syncDir(dir_);
  return {};
}

Result<void> EventSpool::ack(const std::string& sink, std::uint64_t seq) {
  auto c = cursors_.find(sink);
  if (c == cursors_.end()) return Error(errc::not_found, "unknown sink " + sink);
  if (seq <= c->second) return {};
  auto r = writeCursor(sink, seq);
  if (!r) return r;
  c->second = seq;
  compact();
  return {};
}

std::size_t EventSpool::depth(const std::string& sink) const {
  auto c = cursors_.find(sink);
  if (c == cursors_.end()) return 0;
  auto it = std::upper_bound(index_.begin(), index_.end(), c->second,
                             [](std::uint64_t s, const IndexEntry& e) { return s < e.seq; });
  return static_cast<std::size_t>(index_.end() - it);
}

void EventSpool::compact() {
  std::uint64_t delivered = nextSeq_ - 1;
  for (const auto& [sink, cursor] : cursors_) delivered = std::min(delivered, cursor);
  // Whole segments whose every record every sink has acknowledged can go; the newest segment
  // always stays so the sequence survives a restart.
  while (segments_.size() > 1) {
    auto oldest = segments_.begin();
    if (oldest->second->lastSeq > delivered) break;
    totalBytes_ -= oldest->second->size;
    ::unlink(oldest->second->path.c_str());
    segments_.erase(oldest);
  }
  auto keep = std::upper_bound(index_.begin(), index_.end(), delivered,
                               [](std::uint64_t s, const IndexEntry& e) { return s < e.seq; });
  index_.erase(index_.begin(), keep);
}

}  // namespace nc::events
