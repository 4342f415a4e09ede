// The scanner's view of one managed job during a scan (certificate_scanner.cpp and the kept
// allocation lists of certificate_scanner_listings.cpp); internal to lib/certs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certs/certificate_scanner.hpp"

namespace nc::certs {

// One managed job: its declared certificates, then (once listed) what to read in its allocations.
// A job's allocations are turned into items as soon as they are listed and dropped, so a scan
// never holds every allocation (with task states) of a large cluster at once.
struct CertificateScanner::JobGroup {
  struct Item {
    const CertificateSpec* spec;
    AllocId allocId;
  };
  std::string nomadNamespace, job;
  std::vector<const CertificateSpec*> specs;  // in declaration order
  std::vector<Item> items;                    // spec by spec, allocations in list order
  std::vector<std::optional<Observation>> observations;
  std::vector<CacheEntry*> entries;  // per item: its file's kept entry, when read or kept
  std::vector<events::Alert> templateAlerts;
  std::size_t allocations = 0;
  std::optional<std::string> error;  // the allocations could not be listed
};

}  // namespace nc::certs
