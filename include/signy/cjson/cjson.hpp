// Strict JSON parsing and the three canonical JSON dialects signy must match byte for byte.
//
//  - notary_canonical: docker/go canonical/json MarshalCanonical, what Notary signs TUF metadata
//    with: keys sorted by UTF-8 bytes, only '"' and '\' escaped, integral numbers only.
//  - sslib_canonical: securesystemslib encode_canonical, what in-toto signs: same string rules,
//    integers only (floats are refused even when integral).
//  - cnab_canonical: RFC 8785 (JCS), what cnab-go writes bundle.json as (cnab-spec 101 asks for
//    canonical JSON; cnab-go has used JCS since 2021).
//
// The dialects are separate on purpose: each is pinned by vectors from its reference tool
// (fixtures/cjson/, scripts/gen-fixtures.sh).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>
#include <string_view>

#include <nlohmann/json.hpp>

#include "signy/util/result.hpp"

namespace signy::cjson {

using Json = nlohmann::json;

struct ParseLimits {
  std::size_t max_bytes = 16u << 20;  // refuse larger documents before parsing
  std::size_t max_depth = 64;         // nesting of arrays and objects
};

// RFC 8259 JSON with no tolerance: a duplicate object key, invalid UTF-8, an unpaired surrogate
// escape, trailing data, excessive size or depth are errors (never "last key wins").
Result<Json> parse_strict(std::string_view text, const ParseLimits& limits = {});

// Streaming parse for large TUF metadata, with parse_strict's strictness. While parsing it writes
// the docker/go canonical bytes (notary_canonical) of the value at canonical_at (a path of object
// keys, such as {"signed"}), and hands each member of the object at collect_at (inside that
// value, such as {"signed","targets"}) to on_member instead of keeping it in the DOM, where that
// object stays empty. Canonical bytes are written on the fly, so the value's keys must already be
// in canonical order (as every Go-written file has them) and its numbers integers: otherwise the
// result is Errc::not_canonical and the caller uses parse_strict and notary_canonical instead.
// A value missing at canonical_at gives Errc::not_found.
// Takes the parse events of members of the collect_at object instead of a DOM, for the member
// objects it accepts (asked at a member's first key); the others reach on_member as a DOM. Depth
// is 1 for a member's own keys and values, 2 inside the objects and arrays they hold, and so on.
// Canonical order and the strictness rules still apply to every member.
class MemberSink {
 public:
  virtual ~MemberSink() = default;
  virtual bool accept(std::string_view first_key) = 0;
  virtual void key(std::size_t depth, std::string_view k) = 0;
  virtual void string(std::size_t depth, std::string&& v) = 0;
  virtual void integer(std::size_t depth, std::int64_t v, bool is_unsigned) = 0;
  virtual void other(std::size_t depth) = 0;  // null or a boolean
  virtual void open(std::size_t depth, bool array) = 0;
  virtual void close(std::size_t depth) = 0;
  virtual Status end(std::string&& member_key) = 0;  // the member is complete
};

struct StreamOptions {
  std::vector<std::string> canonical_at;
  std::vector<std::string> collect_at;
  std::function<Status(std::string&& key, Json&& value)> on_member;
  // When set, the canonical bytes go to this sink piece by piece (in order) instead of into
  // StreamResult::canonical, which stays empty.
  std::function<void(std::string_view)> canonical_sink;
  // Called when the parse starts over (the plain-JSON fast path gave way to the full parser):
  // forget what on_member and canonical_sink received.
  std::function<void()> on_restart;
  MemberSink* member_sink = nullptr;
};
struct StreamResult {
  Json doc;
  std::string canonical;
};
Result<StreamResult> parse_strict_stream(std::string_view text, StreamOptions& options, const ParseLimits& limits = {});

namespace detail {
// The plain-JSON fast path of parse_strict_stream: done (every event delivered), stopped (the
// handler refused an event), or deferred (not plain JSON, or malformed: parse with nlohmann).
enum class FastParse { done, stopped, deferred };
FastParse fast_sax_parse(std::string_view text, nlohmann::json_sax<Json>& sax);
}  // namespace detail

// A string as docker/go canonical JSON writes it (only '"' and '\' escaped), appended to out.
void append_notary_string(std::string& out, std::string_view s);

// docker/go MarshalCanonical of the value. Numbers: integers as decimal, floats only when
// mathematically integral (Go emits 1.0 as 1); anything else is Errc::unsupported_value.
Result<std::string> notary_canonical(const Json& value);

// The bytes Go's encoding/json writes inside a metadata file for already-canonical bytes:
// '<', '>', '&' become \u003c, \u003e, \u0026 and U+2028/U+2029 become \u2028/\u2029.
std::string go_html_escape(std::string_view json);
void append_go_html_escaped(std::string& out, std::string_view json);

// securesystemslib formats.encode_canonical of the value, UTF-8 encoded. Floats are refused.
Result<std::string> sslib_canonical(const Json& value);

// RFC 8785 JSON Canonicalization Scheme (as cnab-go emits bundle.json).
Result<std::string> cnab_canonical(const Json& value);

// Succeeds when bundle_json is exactly the canonical form of itself; otherwise Errc::not_canonical
// with the offset of the first differing byte.
Status check_cnab_canonical(std::string_view bundle_json, const ParseLimits& limits = {});

}  // namespace signy::cjson
