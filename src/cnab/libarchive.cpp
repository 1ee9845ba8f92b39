#include "cnab/libarchive.hpp"

#include "signy/sys/shared_library.hpp"

namespace signy::cnab::lib {
namespace {

// libarchive 3.0.4 or later (Debian's symbols file for the functions below), as the .deb says.
constexpr const char* kSoname = "libarchive.so.13";

const sys::LibraryFunctions<Archive>& table() {
  return sys::LibraryFunctions<Archive>::load(kSoname, [](const sys::SharedLibrary& lib, Archive& fns) -> Status {
#define SIGNY_ARCHIVE_BIND(name) SIGNY_TRY_VOID(lib.bind(fns.name, #name));
    SIGNY_ARCHIVE_FUNCTIONS(SIGNY_ARCHIVE_BIND)
#undef SIGNY_ARCHIVE_BIND
    return {};
  });
}

}  // namespace

Status load_archive() { return table().status(); }
const Archive& archive() { return table().fns(); }

}  // namespace signy::cnab::lib
