// Recording artifacts as in_toto_run(name, ["."], ["."], ...) records them for an inspection
// (in-toto 1.3.1 runlib.record_artifacts_as_dict with follow_symlink_dirs=True, the default
// exclude patterns, sha256 only): every regular file below `base`, named by its path relative to
// `base` with '/' separators, hashed as {"sha256": lowercase hex}.
//
// Choices (the reference's behaviour unless said otherwise):
//  - Excludes: settings.ARTIFACT_EXCLUDE_PATTERNS = "*.link*", ".git", "*.pyc", "*~" with
//    gitwildmatch semantics: none holds a '/', so each matches one whole path component; a
//    matching directory is pruned, a matching file dropped, both by name before a link is
//    resolved (so an excluded link leading outside is no error). in-toto-verify reads no
//    settings, so inspections always use these.
//  - A symbolic link to a file is recorded under the link's own path with the target's content;
//    a link to a directory is walked, its files under the link's path; a broken link, a link
//    loop, a FIFO, a socket or a device is skipped (os.path.isfile is false).
//  - A directory the caller cannot list or search (a non-root user, modes left by a command) is
//    skipped with everything below it, as os.walk without onerror skips it.
//  - A '\\' in a name becomes '/' in its key (runlib: filepath.replace("\\", "/")); when two
//    files then share a key ("x\\y" and x/y) the one later in os.walk's order wins (a directory's
//    files before its subdirectories').
//  - Differences, for safety: a link is followed only while its resolution stays below `base`
//    (openat2 RESOLVE_BENEATH); one leading outside (absolute, or up through "..") is an error
//    where the reference would hash whatever it points at. A directory link back into its own
//    ancestry is an error where os.walk would loop until the path is too long. A name that is not
//    valid UTF-8 is an error (the reference cannot sign it either). More than
//    max_artifacts files is an error.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string_view>

#include "signy/intoto/metadata.hpp"
#include "signy/util/result.hpp"

namespace signy::intoto {

// True when a path component matches one of the reference's default exclude patterns.
bool excluded_by_default(std::string_view component) noexcept;

struct RecordOptions {
  unsigned threads = 2;                  // hashing threads (the walk is one)
  std::size_t max_artifacts = 1'000'000;  // ~4x what a 32 MiB link file can hold
};

// Errc::io_error for a file that cannot be read (or changed type while being read),
// Errc::unsafe_archive for a link leading outside `base` or a directory cycle,
// Errc::unsupported_value for a name that is not UTF-8, Errc::too_large past max_artifacts.
Result<ArtifactMap> record_artifacts(const std::filesystem::path& base, const RecordOptions& options = {});

}  // namespace signy::intoto
