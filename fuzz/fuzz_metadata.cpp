// Fuzzes the TUF metadata parsers and the trusted set with hostile metadata files: no crash, and
// anything accepted re-serializes to canonical bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signy/tuf/trusted_set.hpp"

using namespace signy;
using namespace signy::tuf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_root(text)) {
    if (!canonical_bytes(to_json(r->signed_))) std::abort();
    auto set = TrustedSet::create(text, TimePoint{});
    if (set) {
      (void)set->update_root(text);
      (void)set->update_timestamp(text);
    }
  }
  if (auto t = parse_targets(text)) {
    // The direct targets writer and the DOM writer agree.
    auto a = canonical_bytes(to_json(t->signed_));
    auto b = canonical_bytes(t->signed_);
    if (a.has_value() != b.has_value() || (a && *a != *b)) std::abort();
    // The one-pass parse (targets handed over as they complete) kept the DOM path's signed bytes,
    // and the digest-only parse their SHA-256.
    auto doc = cjson::parse_strict(text);
    if (!doc) std::abort();
    auto c = cjson::notary_canonical((*doc)["signed"]);
    if (!c || *c != t->canonical) std::abort();
    auto lean = parse_targets(text, false);
    if (!lean || !lean->canonical_sha256 || *lean->canonical_sha256 != crypto::sha256(as_bytes(*c))) std::abort();
    if (lean->signed_.targets.size() != t->signed_.targets.size()) std::abort();
  }
  // Streamed canonical bytes equal the DOM path's whenever streaming succeeds.
  cjson::StreamOptions opts{{"signed"}, {}, {}, {}, {}};
  if (auto s = cjson::parse_strict_stream(text, opts)) {
    auto doc = cjson::parse_strict(text);
    if (!doc || !doc->is_object() || !doc->contains("signed")) std::abort();
    auto c = cjson::notary_canonical((*doc)["signed"]);
    if (!c || *c != s->canonical) std::abort();
  }
  (void)parse_snapshot(text);
  (void)parse_timestamp(text);
  return 0;
}
