// Job texts released after loading and read again on demand.
#include "config/job_source.hpp"

#include <functional>

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
  const std::string& path = job.resolvedPath.empty() ? job.file : job.resolvedPath;
  Diagnostics diags;  // the loader's reading, with its limits; an emptied file is a change
  auto src = readSourceFile(path, path, diags, std::nullopt, /*allowEmpty=*/true);
  if (!src)
    return makeError(errc::io_error, "job file: " + diags.items().front().message +
                                         "; the desired state in force names it (reload to "
                                         "apply a change)");
  if (digestOfText(src->text) != job.sourceDigest)
    return makeError(errc::conflict, "job file " + path +
                                         " changed since the desired state was loaded; reload "
                                         "(SIGHUP) to apply the edited file");
  return std::move(src->text);
}

}  // namespace nc::config
