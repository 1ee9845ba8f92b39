#include "cnab/libarchive.hpp"

#include <cstdlib>
#include <optional>

#include "signy/sys/shared_library.hpp"

namespace signy::cnab::lib {
namespace {

constexpr const char* kSoname = "libarchive.so.13";

struct Loaded {
  Archive fns;
  std::optional<Error> error;
};

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded out;
    auto lib = sys::SharedLibrary::open(kSoname);
    if (!lib) {
      out.error = lib.error();
      return out;
    }
    Status st;
#define SIGNY_ARCHIVE_BIND(name) \
    if (st) st = lib->bind(out.fns.name, #name);
    SIGNY_ARCHIVE_FUNCTIONS(SIGNY_ARCHIVE_BIND)
#undef SIGNY_ARCHIVE_BIND
    if (!st) out.error = st.error();
    return out;
  }();
  return l;
}

}  // namespace

Status load_archive() {
  if (const auto& l = loaded(); l.error) return tl::unexpected(*l.error);
  return {};
}

const Archive& archive() {
  const auto& l = loaded();
  if (l.error) std::abort();  // a call before load_archive() succeeded: a bug in cnab
  return l.fns;
}

}  // namespace signy::cnab::lib
