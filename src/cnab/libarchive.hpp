// libarchive, loaded on first use (sys::SharedLibrary): the functions the thick-archive reader
// calls, under their own names in signy::cnab::lib. read_thick_archive loads it (lib::load_archive)
// before its first call.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include "signy/util/result.hpp"

namespace signy::cnab::lib {

#define SIGNY_ARCHIVE_FUNCTIONS(X)                                                                        \
  X(archive_read_new) X(archive_read_free) X(archive_read_support_filter_gzip)                             \
  X(archive_read_support_format_tar) X(archive_read_set_format_option) X(archive_read_open)               \
  X(archive_read_next_header) X(archive_read_data_block) X(archive_filter_code) X(archive_filter_bytes)   \
  X(archive_error_string) X(archive_entry_pathname) X(archive_entry_filetype) X(archive_entry_hardlink)   \
  X(archive_entry_size_is_set) X(archive_entry_size) X(archive_entry_sparse_count)

struct Archive {
#define SIGNY_ARCHIVE_POINTER(name) decltype(&::name) name = nullptr;
  SIGNY_ARCHIVE_FUNCTIONS(SIGNY_ARCHIVE_POINTER)
#undef SIGNY_ARCHIVE_POINTER
};

// Loads libarchive once per process; Errc::internal naming what is missing.
Status load_archive();
// The functions, once load_archive succeeded.
const Archive& archive();

// Each function under its own name: lib::archive_read_new() calls the loaded archive_read_new.
#define SIGNY_ARCHIVE_FORWARD(name) \
  template <class... A>             \
  inline auto name(A... a) {        \
    return archive().name(a...);    \
  }
SIGNY_ARCHIVE_FUNCTIONS(SIGNY_ARCHIVE_FORWARD)
#undef SIGNY_ARCHIVE_FORWARD

}  // namespace signy::cnab::lib
