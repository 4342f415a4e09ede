// CertificateScanner: one pass over every running allocation of the managed jobs, reading each
// declared certificate (stat first; cat, or exec for secrets/), with bounded concurrency and a
// cache keyed by (alloc, path, mtime, size) so unchanged files are neither read nor parsed again:
// the cache keeps the extracted facts and chain verdict, not the PEM text.
#pragma once

#include <list>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "certs/alloc_id.hpp"
#include "certs/allocation_reader.hpp"
#include "certs/certificate_check.hpp"
#include "core/clock.hpp"
#include "events/alert.hpp"

namespace nc::certs {

struct ScanOptions {
  std::size_t concurrency = 8;
  Duration observationInterval = Duration::seconds(60);
  Duration notBeforeDuration = Duration::seconds(30);
  /// How long a job's allocation list is reused while listings are trusted (see
  /// trustListings); a safety net for a change the event stream did not report.
  Duration relistInterval = Duration::seconds(600);
  /// Longest span between two stats of a file whose certificate is settled (state ok, no
  /// threshold crossed within this span, verdict still valid); such a file is decided from its
  /// kept facts meanwhile. The first wait after a read is a share of 50–100 % of it fixed by the
  /// file's key, so files read together are statted over several scans; later waits are whole. Zero
  /// or not above observationInterval: every file is statted on every scan. Trades how soon a
  /// replaced or deleted file is seen for fewer Nomad requests.
  Duration recheckInterval = Duration::seconds(0);
};

struct ScanResult {
  /// In declaration order. A row whose decision still stands (same spec, same file content,
  /// same CA chain, state ok, before its nextChange) is the very row of the previous scan.
  std::vector<CertificateRowPtr> rows;
  TimePoint decidedAt{};  ///< the `now` the rows were decided at
  /// Every alert condition that holds now (certificate rows and failed template renders).
  std::vector<events::Alert> alerts;
  /// Jobs whose allocations could not be listed: their alerts must not be resolved.
  std::vector<std::string> failedJobs;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;  ///< problems that do not fail a `certs` run
  std::size_t allocations = 0, filesRead = 0, cacheHits = 0;
  std::size_t jobsListed = 0, listingsReused = 0;
  std::size_t statsSkipped = 0;  ///< settled files decided from kept facts (recheckInterval)
  std::size_t rowsReused = 0;    ///< rows handed back unchanged from the previous scan
};

/// The rows a certificate table keeps for the jobs a scan could not list (`failedJobs`): their
/// last known rows, from the previous table and the rows it kept so, unless the job name has
/// rows of its own in the scan (`current`). By job name, as alerts of such jobs are kept.
std::vector<CertificateRowPtr> rowsOfUnlistedJobs(const std::vector<CertificateRowPtr>& current,
                                                  const std::vector<CertificateRowPtr>& previous,
                                                  const std::vector<CertificateRowPtr>& kept,
                                                  const std::vector<std::string>& failedJobs);

/// The path of a declared certificate relative to the allocation dir.
std::string allocPath(const CertificateSpec& spec);
/// True for task paths the fs API refuses to read (secrets/, private/).
bool needsExec(const std::string& path);

class CertificateScanner {
 public:
  CertificateScanner(AllocationReaderPtr reader, ClockPtr clock, ScanOptions options = {});

  /// caChains maps a PKI mount to its CA chain PEM; a missing mount leaves chains unchecked.
  boost::asio::awaitable<ScanResult> scan(CertificateSpecs specs,
                                          std::map<std::string, std::string> caChains);

  std::size_t cacheSize() const { return cache_.size(); }

  /// Allocation lists are reused from one scan to the next only while something reports every
  /// change of a job's allocations through invalidateJob (the daemon's event stream, while it
  /// is connected without a break). Off by default: each scan lists every job. Each change of
  /// this setting drops the kept lists.
  void trustListings(bool on);
  /// The allocations of `job` (in any namespace) changed: its next scan lists it again. Also
  /// covers a list in flight, which is then not kept.
  void invalidateJob(std::string_view job);
  std::size_t listingsKept() const { return listings_.size(); }

  struct JobGroup;  ///< one job of a scan (scan_job_group.hpp)

 private:
  struct CacheEntry {
    // The stat's ModTime as a 64-bit digest rather than its ~30-character text (a heap block
    // per file): a change goes unseen only if the size stays and the digests collide.
    std::uint64_t modTimeDigest = 0;
    std::int64_t size = 0;
    CertificateFactsPtr facts;
    Clock::MonoTime statAt{};  // when a stat last confirmed this content
    bool afterRead = true;     // no stat since the read: the recheck wait is spread
    bool seen = false;         // touched by the current scan
    // The ok row last decided from these facts, for spec `rowSpec` against the anchors the
    // facts' chain verdict names (a row is decided against those only): handed back until its
    // nextChange, so a settled certificate costs no new row.
    CertificateRowPtr row;
    std::uint32_t rowSpec = 0;
  };
  /// A job's allocations as the scan needs them: what to read, and template alerts.
  struct Listing {
    std::vector<std::string> tasks;  // the tasks of the job's specs it was collected for
    // Per item: its spec's index in the job, and its allocation ID.
    std::vector<std::uint32_t> itemSpecs;
    std::vector<AllocId> allocIds;
    std::vector<events::Alert> templateAlerts;
    std::size_t allocations = 0;
    Clock::MonoTime listedAt;
    bool seen = false;  // used by the current scan
  };
  /// A file of an allocation: its path by index into paths_, which a key of 50k files would
  /// otherwise repeat in a heap block each.
  struct FileKey {
    AllocId alloc;
    std::uint32_t path = 0;
    bool operator==(const FileKey&) const = default;
  };
  struct FileKeyHash {
    std::size_t operator()(const FileKey& k) const {
      return k.alloc.hash() ^ (k.path * 0x9e3779b97f4a7c15ULL);
    }
  };
  struct InFlight {
    std::string job;
    bool invalidated = false;
  };
  struct Work;
  static boost::asio::awaitable<void> worker(CertificateScanner* self, Work* work);
  bool reuseListing(JobGroup& group);
  void keepListing(const JobGroup& group);
  /// The file's kept entry when its facts may stand in for a stat this scan (recheckInterval),
  /// marked seen and counted in statsSkipped; null when the file is due.
  CacheEntry* notDueEntry(const CertificateSpec& spec, const FileKey& key, Work& work);
  /// Stats (and reads when changed) one file; `entry` is set to its kept entry when read.
  boost::asio::awaitable<Observation> observe(const CertificateSpec& spec, FileKey key,
                                              ScanResult& result, CacheEntry*& entry);
  /// The index of a declared path in paths_, added when new.
  std::uint32_t pathId(const std::string& path);
  /// The row to hand back for spec `specIndex` of an unchanged spec list, if it still stands.
  CertificateRowPtr standingRow(const CacheEntry* entry, std::uint32_t specIndex,
                                const CheckContext& ctx) const;
  /// Keeps one parsed trust store per mount, rebuilt only when its chain text changes.
  void refreshAnchors(const std::map<std::string, std::string>& caChains);
  TrustAnchorsPtr anchorsFor(const std::string& mount) const;

  AllocationReaderPtr reader_;
  ClockPtr clock_;
  ScanOptions options_;
  // Hashed: every scan looks up every file, and in a tree of 50k keys each lookup is some 16
  // compares over scattered nodes.
  std::unordered_map<FileKey, CacheEntry, FileKeyHash> cache_;
  // Every path declared since start (grows only with the desired state's distinct paths).
  std::vector<std::string> paths_;
  std::unordered_map<std::string, std::uint32_t> pathIds_;
  std::map<std::string, TrustAnchorsPtr> anchors_;  // by PKI mount
  std::map<std::string, Listing> listings_;         // "job\0namespace"
  std::list<InFlight> inFlight_;                    // lists requested, not yet answered
  CertificateSpecs lastSpecs_;                      // kept rows name specs by index into these
  bool trusted_ = false;
};

}  // namespace nc::certs
