#include "net/libcurl.hpp"

#include <cstdlib>
#include <optional>

#include "signy/sys/shared_library.hpp"

namespace signy::net::lib {
namespace {

// libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR), as the .deb's Depends says.
constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
  Curl fns;
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
#define SIGNY_CURL_BIND(name) \
    if (st) st = lib->bind(out.fns.name, #name);
    SIGNY_CURL_FUNCTIONS(SIGNY_CURL_BIND)
    SIGNY_CURL_BIND(curl_easy_setopt)
#undef SIGNY_CURL_BIND
    if (!st) {
      out.error = st.error();
      return out;
    }
    // Before any other call, once: libcurl's global set-up (not thread-safe; done here under the
    // static's initialisation guard).
    if (out.fns.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) out.error = Error{Errc::internal, "curl_global_init failed"};
    return out;
  }();
  return l;
}

}  // namespace

Status load_curl() {
  if (const auto& l = loaded(); l.error) return tl::unexpected(*l.error);
  return {};
}

const Curl& curl() {
  const auto& l = loaded();
  if (l.error) std::abort();  // a call before load_curl() succeeded: a bug in net
  return l.fns;
}

}  // namespace signy::net::lib
