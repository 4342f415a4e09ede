// Job texts released after loading and read again on demand.
#include "config/job_source.hpp"

#include <fstream>
#include <functional>
#include <iterator>

#include "config/source_text.hpp"

namespace nc::config {

std::uint64_t digestOfText(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

std::uint64_t jobSourceDigest(const JobSpec& job) {
  return job.sourceReleased ? job.sourceDigest : digestOfText(job.source);
}

void releaseJobText(JobSpec& job) {
  if (job.sourceReleased) return;
  job.sourceDigest = digestOfText(job.source);
  job.sourceReleased = true;
  std::string().swap(job.source);  // clear() would keep the capacity
}

Result<std::string> jobSource(const JobSpec& job) {
  if (!job.sourceReleased) return job.source;
  const std::filesystem::path path(job.resolvedPath.empty() ? job.file : job.resolvedPath);
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(path, ec); !ec && size > kMaxFileBytes)
    return makeError(errc::conflict, "job file " + path.string() +
                                         " changed since the desired state was loaded (it is now "
                                         "over the size limit); reload (SIGHUP) to apply it");
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.is_open() || in.bad())
    return makeError(errc::io_error, "job file " + path.string() +
                                         " can no longer be read; the desired state in force "
                                         "names it (reload to apply a change)");
  if (digestOfText(text) != job.sourceDigest)
    return makeError(errc::conflict, "job file " + path.string() +
                                         " changed since the desired state was loaded; reload "
                                         "(SIGHUP) to apply the edited file");
  return text;
}

}  // namespace nc::config
