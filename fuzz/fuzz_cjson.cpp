// Fuzzes the strict JSON parser and the three canonical encoders with hostile input.
// Invariants checked: no crash/UB/leak; canonical output re-parses (unless it holds raw control
// characters, which only JCS escapes); the
// Notary and securesystemslib encoders are idempotent (canonical(parse(canonical(x))) == canonical(x));
// a canonical CNAB document passes check_cnab_canonical; the plain-JSON fast path accepts only
// what nlohmann accepts, with the same events.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signy/cjson/cjson.hpp"
#include "signy/cjson/recording_sax.hpp"

using namespace signy::cjson;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    // The plain-JSON fast path accepts only what nlohmann accepts, with the same events.
    detail::RecordingSax fast, full;
    if (detail::fast_sax_parse(text, fast) == detail::FastParse::done) {
      if (!Json::sax_parse(text.begin(), text.end(), &full, nlohmann::json::input_format_t::json, true)) std::abort();
      if (fast.events != full.events) std::abort();
    }
  }
  ParseLimits limits;
  limits.max_bytes = 1 << 20;
  auto parsed = parse_strict(text, limits);
  if (!parsed) return 0;
  (void)go_html_escape(text);
  for (auto encode : {notary_canonical, sslib_canonical, cnab_canonical}) {
    auto c = encode(*parsed);
    if (!c) continue;
    // Notary and securesystemslib write control characters raw, which JSON parsers refuse.
    bool raw_controls = false;
    for (char ch : *c) raw_controls |= static_cast<unsigned char>(ch) < 0x20;
    auto again = parse_strict(*c, limits);
    if (raw_controls && encode != cnab_canonical) continue;
    if (!again) std::abort();  // otherwise canonical output must be valid JSON
    auto c2 = encode(*again);
    // JCS maps big integers through doubles, so only its second pass is a fixed point.
    if (!c2 || (encode != cnab_canonical && *c2 != *c)) std::abort();
    if (encode == cnab_canonical) {
      auto c3 = encode(*parse_strict(*c2, limits));
      if (!c3 || *c3 != *c2 || !check_cnab_canonical(*c2, limits)) std::abort();
    }
  }
  return 0;
}
