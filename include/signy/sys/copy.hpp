// Filling an inspection's private directory (sys::PrivateDir) with the artifacts under
// verification (issue 9 item 4): a copy, never links to the originals, so an inspection cannot
// change them.
//
// What is copied: regular files (content and permission bits, without set-user/group-ID and
// sticky bits) and directories, recursively, excluded names included (the reference's inspection
// sees the whole current directory; recording applies the excludes). A symbolic link is recreated
// as a link with the same target text when its resolution stays inside the copied tree (so the
// inspection sees what the reference's would, and recording follows it there); a broken link is
// left out (recording skips it anyway); an absolute link or one leading outside the tree, and FIFOs, sockets and
// devices are refused (Errc::unsafe_archive), as the copy could not hold what they point at.
#pragma once
#include <filesystem>

#include "signy/util/result.hpp"

namespace signy::sys {

// Copies the contents of directory `from` into the existing, empty directory `to`, or, when
// `from` is a regular file, that file into `to` under its own name. `threads` copy files in
// parallel (the walk is one thread).
Status copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, unsigned threads = 2);

// Empties directory `dir` on `threads` threads, best effort: every non-directory entry below it is
// unlinked; directories are made writable (0700) and left, empty, for PrivateDir's removal (which
// finishes whatever this could not). Nothing is followed: subdirectories are opened below `dir`
// only, through no symbolic link (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
void clear_tree(const std::filesystem::path& dir, unsigned threads = 2);

}  // namespace signy::sys
