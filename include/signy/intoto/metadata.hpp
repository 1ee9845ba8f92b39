// The in-toto metadata model of in-toto 1.3.1 (classic, pre-DSSE; spec v0.9 formats with the
// implementation's field names): Metablock {signatures, signed} holding a Layout or a Link
// (in_toto/models/metadata.py, layout.py, link.py).
//
// What is signed: securesystemslib encode_canonical of the object the Python model rebuilds from
// the file (models/common.py signable_bytes), i.e. exactly the fields below, `_type` forced,
// nested values (key dicts, hash dicts, byproducts, environment, rule lists) verbatim.
// signy parses into typed values and re-derives those bytes (canonical_bytes); a signature made by
// the reference verifies over them.
//
// Strictness (documented choices; the reference is more lenient in each):
//  - every field the reference writes is required (Python fills defaults for missing ones, so a
//    file lacking one can only have been edited by hand); `_type` of steps and inspections must be
//    "step" / "inspection" (Python overwrites whatever is there);
//  - unknown members of the envelope, layout, link, step and inspection are refused by default;
//    UnknownMembers::drop ignores them as the reference does (it drops them: they are not signed);
//  - duplicate JSON keys, invalid UTF-8, floats anywhere, names and commands that are not strings,
//    thresholds that are not integers >= 1, and GPG signatures or keys are refused.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/rules.hpp"
#include "signy/util/result.hpp"

namespace signy::intoto {

using HashDict = std::map<std::string, std::string>;  // algorithm -> hex digest (as written)
using ArtifactMap = std::map<std::string, HashDict>;  // path -> hashes

// A functionary key of a layout: the dict verbatim (it is signed as written, with its "keyid",
// "keyid_hash_algorithms" and "keyval.private": "" members when present) and its typed form.
struct LayoutKey {
  crypto::SslibKey key;
  std::optional<std::string> keyid;  // the dict's "keyid" member: in-toto selects signatures by it
  cjson::Json dict;

  // The dict in-toto's key import functions produce (SslibKey::to_json: keyid recomputed).
  static LayoutKey from(const crypto::SslibKey& key);
};

struct Step {
  std::string name;
  std::vector<ArtifactRule> expected_materials;
  std::vector<ArtifactRule> expected_products;
  std::vector<std::string> pubkeys;  // key IDs (hex), in layout order
  std::vector<std::string> expected_command;
  std::int64_t threshold = 1;
};

struct Inspection {
  std::string name;
  std::vector<ArtifactRule> expected_materials;
  std::vector<ArtifactRule> expected_products;
  std::vector<std::string> run;
};

struct Layout {
  std::string expires;                  // "YYYY-MM-DDTHH:MM:SSZ", as signed
  std::chrono::sys_seconds expires_at;  // the same instant (parse_expires)
  std::string readme;
  std::map<std::string, LayoutKey> keys;  // keyid -> key
  std::vector<Step> steps;
  std::vector<Inspection> inspect;
};

struct Link {
  std::string name;
  std::vector<std::string> command;
  ArtifactMap materials;
  ArtifactMap products;
  cjson::Json byproducts = cjson::Json::object();  // opaque; in-toto-run: return-value, stderr, stdout
  cjson::Json environment = cjson::Json::object();
};

struct Signature {
  std::string keyid;  // hex, compared case-sensitively (as the reference does)
  std::string sig;    // hex, either case
};

template <class T>
struct Metablock {
  T signed_;
  std::vector<Signature> signatures;
};
using LayoutMetablock = Metablock<Layout>;
using LinkMetablock = Metablock<Link>;

enum class UnknownMembers { refuse, drop };
inline constexpr std::size_t kMaxMetadataBytes = 32u << 20;  // a link of ~250,000 artifacts
struct ParseOptions {
  UnknownMembers unknown = UnknownMembers::refuse;
  cjson::ParseLimits limits{kMaxMetadataBytes, 32};
};

// A metadata file (cjson::parse_strict with opts.limits). parse_layout / parse_link refuse the
// other `_type` with Errc::wrong_type; parse_metablock takes either (a link file may hold a
// sublayout). Malformed input is Errc::malformed_json (a malformed artifact rule names the item
// and the rule), key dicts signy cannot use are Errc::malformed_key or unsupported_key_type.
Result<LayoutMetablock> parse_layout(std::string_view bytes, const ParseOptions& opts = {});
Result<LinkMetablock> parse_link(std::string_view bytes, const ParseOptions& opts = {});
Result<std::variant<LayoutMetablock, LinkMetablock>> parse_metablock(std::string_view bytes, const ParseOptions& opts = {});
// The `signed` object alone (e.g. a layout written by hand, to be signed).
Result<Layout> layout_from_json(const cjson::Json& signed_json, const ParseOptions& opts = {});
Result<Link> link_from_json(const cjson::Json& signed_json, const ParseOptions& opts = {});

// The signed object with every field the reference emits (what attr.asdict gives).
cjson::Json to_json(const Layout& layout);
cjson::Json to_json(const Link& link);
// UTF-8(encode_canonical(signed)): the bytes in-toto signs. Fails (Errc::unsupported_value) only
// for a model built by hand holding a float or a string that is not valid UTF-8, which Python
// cannot encode either (parsing refuses both).
Result<std::string> canonical_bytes(const Layout& layout);
Result<std::string> canonical_bytes(const Link& link);
// The file as Metablock.dump writes it: json.dumps(indent=1, separators=(",", ": "),
// sort_keys=True), ASCII with \u escapes, no trailing newline. Fails as canonical_bytes does.
Result<std::string> dump(const LayoutMetablock& mb);
Result<std::string> dump(const LinkMetablock& mb);

// Adds a signature over canonical_bytes(signed_) by `key` with pub.keyid(), replacing any
// signature with that key ID; the new signature is verified before it is kept.
Status sign(LayoutMetablock& mb, const crypto::PrivateKey& key, const crypto::SslibKey& pub);
Status sign(LinkMetablock& mb, const crypto::PrivateKey& key, const crypto::SslibKey& pub);
// As in-toto-sign does with a key file: the key ID the file states (SslibPrivate::keyid).
Status sign(LayoutMetablock& mb, const crypto::SslibPrivate& key);
Status sign(LinkMetablock& mb, const crypto::SslibPrivate& key);

// Metablock.verify_signature: only the FIRST signature whose keyid equals `keyid` exactly is
// checked. Errc::bad_signature when there is none or it does not verify; Errc::bad_encoding
// when it cannot be decoded (odd-length hex, an Ed25519 signature not 64 bytes: the reference
// raises there instead of reporting an invalid signature).
Status verify_signature(std::span<const Signature> signatures, std::string_view canonical,
                        const crypto::SslibKey& key, std::string_view keyid);
Status verify_signature(const LayoutMetablock& mb, const crypto::SslibKey& key, std::string_view keyid);
Status verify_signature(const LinkMetablock& mb, const crypto::SslibKey& key, std::string_view keyid);
// With a layout's functionary key: selected by the dict's "keyid" member (Errc::malformed_key when
// the dict has none, as the reference fails there).
Status verify_signature(const LinkMetablock& mb, const LayoutKey& key);
Status verify_signature(const LayoutMetablock& mb, const LayoutKey& key);

// The layout expiry format (securesystemslib ISO8601_DATETIME_SCHEMA plus a real date, as
// Layout._validate_expires checks it): exactly "YYYY-MM-DDTHH:MM:SSZ", UTC, year 0001-9999,
// hours 00-23, no leap second, no fraction or offset. Errc::malformed_json otherwise.
Result<std::chrono::sys_seconds> parse_expires(std::string_view text);
std::string format_expires(std::chrono::sys_seconds t);  // truncated to seconds, "...Z"

// "<step>.<first 8 characters of keyid>.link" (models/link.py FILENAME_FORMAT).
std::string link_file_name(std::string_view step, std::string_view keyid);

// Parameter substitution (verifylib.substitute_parameters): Python str.format(**params) applied
// to every word of every rule, every expected_command word of steps and every run word of
// inspections; nothing else. The rules are parsed again (a malformed result is an error naming
// the item and rule). Parameter names must match [a-zA-Z0-9_-]+.
using Parameters = std::map<std::string, std::string>;
Result<Layout> substitute_parameters(const Layout& layout, const Parameters& params);
// Python's str.format with string keyword arguments only: {NAME}, {{ and }} as literal braces,
// an optional !s conversion and a string format spec ([[fill]align][width][.precision][s]).
// Errc::malformed_json for what Python refuses (unknown name, {0}, {}, a lone brace) and for what
// signy does not implement ({N.attr}, {N[i]}, !r, !a, nested {} in a spec, the 0 flag).
Result<std::string> format_parameters(std::string_view text, const Parameters& params);

}  // namespace signy::intoto
