// Parsing, serializing, signing and verifying in-toto 1.3.1 metablocks (in_toto/models/*.py).
#include "signy/intoto/metadata.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <set>

#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

using Json = cjson::Json;

std::string quote(std::string_view s) { return "\"" + escape_control(s.substr(0, 64)) + (s.size() > 64 ? "...\"" : "\""); }

tl::unexpected<Error> bad(std::string msg) { return tl::unexpected(Error{Errc::malformed_json, std::move(msg)}); }

// securesystemslib HEX_SCHEMA: [a-fA-F0-9]+ (key IDs, digests, signatures).
bool is_hex(std::string_view s) {
  // A table: 20,000 digests of 64 characters in a link of 10,000 artifacts.
  static constexpr auto kHex = [] {
    std::array<bool, 256> t{};
    for (char c : std::string_view("0123456789abcdefABCDEF")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  bool ok = !s.empty();
  for (char c : s) ok &= kHex[static_cast<unsigned char>(c)];
  return ok;
}

// encode_canonical refuses floats: a document holding one can be neither signed nor verified.
bool contains_float(const Json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured())
    for (const auto& v : j) if (contains_float(v)) return true;
  return false;
}

// The members of one object: each known one required with its JSON type; unknown ones refused
// or ignored (the reference ignores them: they are not part of its model, so not signed).
class Members {
 public:
  Members(const Json& obj, std::string ctx, std::initializer_list<std::string_view> known, const ParseOptions& opts)
      : obj_(obj), ctx_(std::move(ctx)), known_(known), opts_(opts) {}

  const std::string& ctx() const { return ctx_; }

  Status check_unknown() const {
    if (opts_.unknown == UnknownMembers::drop) return {};
    for (const auto& [k, v] : obj_.items())
      if (std::find(known_.begin(), known_.end(), k) == known_.end())
        return bad(ctx_ + " has an unknown member " + quote(k));
    return {};
  }

  Result<const Json*> get(const char* key, Json::value_t type, const char* type_name) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) return bad(ctx_ + " needs \"" + key + "\"");
    bool ok = type == Json::value_t::number_integer ? it->is_number_integer() : it->type() == type;
    if (!ok) return bad(ctx_ + " \"" + key + "\" must be " + type_name);
    return &*it;
  }
  Result<std::string> string(const char* key) const {
    auto* j = SIGNY_TRY(get(key, Json::value_t::string, "a string"));
    return j->get<std::string>();
  }
  Result<const Json*> array(const char* key) const { return get(key, Json::value_t::array, "an array"); }
  Result<const Json*> object(const char* key) const { return get(key, Json::value_t::object, "an object"); }

 private:
  const Json& obj_;
  std::string ctx_;
  std::vector<std::string_view> known_;
  const ParseOptions& opts_;
};

Status check_type(const Members& m, const char* expected) {
  auto t = SIGNY_TRY(m.string("_type"));
  if (t != expected)
    return tl::unexpected(Error{Errc::wrong_type, m.ctx() + " must have _type \"" + expected + "\", not " + quote(t)});
  return {};
}

Result<std::vector<std::string>> strings(const Json& arr, const std::string& what) {
  std::vector<std::string> out;
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return bad(what + "[" + std::to_string(i) + "] must be a string");
    out.push_back(arr[i].get<std::string>());
  }
  return out;
}

Result<std::vector<ArtifactRule>> rules(const Members& m, const char* key) {
  auto* arr = SIGNY_TRY(m.array(key));
  std::vector<ArtifactRule> out;
  out.reserve(arr->size());
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& r = (*arr)[i];
    std::string where = m.ctx() + " " + key + " rule " + std::to_string(i + 1);
    if (!r.is_array()) return bad(where + " is not a list of strings");
    std::vector<std::string> words;
    for (const auto& w : r) {
      if (!w.is_string()) return bad(where + " is not a list of strings");
      words.push_back(w.get<std::string>());
    }
    std::string text = rule_text(words);
    auto parsed = parse_rule(std::move(words));
    if (!parsed) return tl::unexpected(parsed.error().context(where + " (" + text + ")"));
    out.push_back(std::move(*parsed));
  }
  return out;
}

Result<Step> parse_step(const Json& j, std::size_t index, const ParseOptions& opts) {
  std::string ctx = "layout step " + std::to_string(index + 1);
  if (!j.is_object()) return bad(ctx + " is not an object");
  if (auto n = j.find("name"); n != j.end() && n->is_string()) ctx = "layout step " + quote(n->get<std::string>());
  Members m(j, ctx, {"_type", "name", "expected_materials", "expected_products", "pubkeys", "expected_command", "threshold"}, opts);
  SIGNY_TRY_VOID(m.check_unknown());
  SIGNY_TRY_VOID(check_type(m, "step"));
  Step s;
  s.name = SIGNY_TRY(m.string("name"));
  s.expected_materials = SIGNY_TRY(rules(m, "expected_materials"));
  s.expected_products = SIGNY_TRY(rules(m, "expected_products"));
  const auto* pubkeys = SIGNY_TRY(m.array("pubkeys"));
  s.pubkeys = SIGNY_TRY(strings(*pubkeys, ctx + " pubkeys"));
  for (const auto& k : s.pubkeys)
    if (!is_hex(k)) return bad(ctx + " pubkeys: " + quote(k) + " is not a hex key ID");
  const auto* command = SIGNY_TRY(m.array("expected_command"));
  s.expected_command = SIGNY_TRY(strings(*command, ctx + " expected_command"));
  // Python checks isinstance(threshold, int) only (a bool passes, 0 and negatives too); signy
  // wants a count of links that means something.
  auto* t = SIGNY_TRY(m.get("threshold", Json::value_t::number_integer, "an integer"));
  // nlohmann parses non-negative integers as unsigned, negative ones as signed.
  bool too_big = t->is_number_unsigned() &&
                 t->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (too_big || t->get<std::int64_t>() < 1) return bad(ctx + " threshold must be an integer from 1 to 2^63-1");
  s.threshold = t->get<std::int64_t>();
  return s;
}

Result<Inspection> parse_inspection(const Json& j, std::size_t index, const ParseOptions& opts) {
  std::string ctx = "layout inspection " + std::to_string(index + 1);
  if (!j.is_object()) return bad(ctx + " is not an object");
  if (auto n = j.find("name"); n != j.end() && n->is_string()) ctx = "layout inspection " + quote(n->get<std::string>());
  Members m(j, ctx, {"_type", "name", "expected_materials", "expected_products", "run"}, opts);
  SIGNY_TRY_VOID(m.check_unknown());
  SIGNY_TRY_VOID(check_type(m, "inspection"));
  Inspection s;
  s.name = SIGNY_TRY(m.string("name"));
  s.expected_materials = SIGNY_TRY(rules(m, "expected_materials"));
  s.expected_products = SIGNY_TRY(rules(m, "expected_products"));
  const auto* run = SIGNY_TRY(m.array("run"));
  s.run = SIGNY_TRY(strings(*run, ctx + " run"));
  return s;
}

// securesystemslib PUBLIC_KEY_SCHEMA, then the key must be one signy can verify with.
Result<LayoutKey> parse_layout_key(const std::string& id, const Json& dict) {
  std::string ctx = "layout key " + quote(id);
  if (!is_hex(id)) return bad("layout keys: " + quote(id) + " is not a hex key ID");
  if (!dict.is_object()) return bad(ctx + " is not an object");
  if (contains_float(dict)) return bad(ctx + " holds a float (in-toto cannot sign or verify it)");
  LayoutKey k;
  if (auto it = dict.find("keyid"); it != dict.end()) {
    if (!it->is_string()) return bad(ctx + " \"keyid\" must be a string");
    k.keyid = it->get<std::string>();
  }
  if (auto it = dict.find("keyid_hash_algorithms"); it != dict.end()) {
    static const std::set<std::string> kAlgs{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"};
    if (!it->is_array()) return bad(ctx + " \"keyid_hash_algorithms\" must be an array");
    for (const auto& a : *it)
      if (!a.is_string() || !kAlgs.count(a.get<std::string>()))
        return bad(ctx + " \"keyid_hash_algorithms\" lists an unknown algorithm");
  }
  if (dict.contains("subkeys") || dict.contains("hashes") || dict.contains("method"))
    return fail(Errc::unsupported_key_type, ctx + " is a GPG key (not supported)");
  auto key = crypto::SslibKey::from_json(dict);
  if (!key) return tl::unexpected(key.error().context(ctx));
  k.key = std::move(*key);
  k.dict = dict;
  return k;
}

Result<Layout> parse_layout_signed(const Json& j, const ParseOptions& opts) {
  if (!j.is_object()) return bad("layout is not an object");
  Members m(j, "layout", {"_type", "expires", "readme", "keys", "steps", "inspect"}, opts);
  SIGNY_TRY_VOID(m.check_unknown());
  SIGNY_TRY_VOID(check_type(m, "layout"));
  Layout l;
  l.expires = SIGNY_TRY(m.string("expires"));
  auto at = parse_expires(l.expires);
  if (!at) return tl::unexpected(at.error().context("layout expires"));
  l.expires_at = *at;
  l.readme = SIGNY_TRY(m.string("readme"));
  const auto* keys = SIGNY_TRY(m.object("keys"));
  for (const auto& [id, dict] : keys->items()) {
    auto key = SIGNY_TRY(parse_layout_key(id, dict));
    l.keys.emplace(id, std::move(key));
  }
  const auto* steps = SIGNY_TRY(m.array("steps"));
  const auto* inspect = SIGNY_TRY(m.array("inspect"));
  // Layout._validate_steps_and_inspections: names unique across steps and inspections together.
  std::set<std::string> names;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    auto step = SIGNY_TRY(parse_step((*steps)[i], i, opts));
    if (!names.insert(step.name).second) return bad("layout has two steps named " + quote(step.name));
    l.steps.push_back(std::move(step));
  }
  for (std::size_t i = 0; i < inspect->size(); ++i) {
    auto insp = SIGNY_TRY(parse_inspection((*inspect)[i], i, opts));
    if (!names.insert(insp.name).second)
      return bad("layout inspection " + quote(insp.name) + " has the name of another step or inspection");
    l.inspect.push_back(std::move(insp));
  }
  return l;
}

// Link._validate_materials / _validate_products: {path: HASHDICT}, HASHDICT {any: hex}.
Result<ArtifactMap> artifacts(const Members& m, const char* key) {
  ArtifactMap out;
  const auto* obj = SIGNY_TRY(m.object(key));
  // The object's members come sorted (a std::map), as the map wants them: each goes at the end.
  // Messages are built only for an error (a link holds 10,000 artifacts and more).
  auto where = [&](const std::string& path) { return m.ctx() + " " + key + " " + quote(path); };
  for (const auto& [path, hashes] : obj->items()) {
    if (!hashes.is_object()) return bad(where(path) + " is not a hash object");
    HashDict h;
    for (const auto& [alg, digest] : hashes.items()) {
      if (!digest.is_string() || !is_hex(digest.get_ref<const std::string&>()))
        return bad(where(path) + " " + quote(alg) + " is not a hex digest");
      h.emplace_hint(h.end(), alg, digest.get_ref<const std::string&>());
    }
    out.emplace_hint(out.end(), path, std::move(h));
  }
  return out;
}

Result<Link> parse_link_signed(const Json& j, const ParseOptions& opts) {
  if (!j.is_object()) return bad("link is not an object");
  std::string ctx = "link";
  if (auto n = j.find("name"); n != j.end() && n->is_string()) ctx = "link " + quote(n->get<std::string>());
  Members m(j, ctx, {"_type", "name", "materials", "products", "byproducts", "command", "environment"}, opts);
  SIGNY_TRY_VOID(m.check_unknown());
  SIGNY_TRY_VOID(check_type(m, "link"));
  Link l;
  l.name = SIGNY_TRY(m.string("name"));
  const auto* command = SIGNY_TRY(m.array("command"));
  l.command = SIGNY_TRY(strings(*command, ctx + " command"));
  l.materials = SIGNY_TRY(artifacts(m, "materials"));
  l.products = SIGNY_TRY(artifacts(m, "products"));
  const auto* byproducts = SIGNY_TRY(m.object("byproducts"));
  const auto* environment = SIGNY_TRY(m.object("environment"));
  l.byproducts = *byproducts;
  l.environment = *environment;
  if (contains_float(l.byproducts) || contains_float(l.environment))
    return bad(ctx + " holds a float (in-toto cannot sign or verify it)");
  return l;
}

// The envelope: {"signatures": [SIGNATURE_SCHEMA...], "signed": {...}}.
struct Envelope {
  std::vector<Signature> signatures;
  const Json* signed_json = nullptr;
  std::string type;
  Json doc;
};

Result<Envelope> parse_envelope(std::string_view bytes, const ParseOptions& opts) {
  Envelope e;
  auto doc = cjson::parse_strict(bytes, opts.limits);
  if (!doc) return tl::unexpected(doc.error().context("in-toto metadata"));
  e.doc = std::move(*doc);
  if (!e.doc.is_object()) return bad("in-toto metadata is not a JSON object");
  Members m(e.doc, "in-toto metadata", {"signatures", "signed"}, opts);
  SIGNY_TRY_VOID(m.check_unknown());
  const auto* sigs = SIGNY_TRY(m.array("signatures"));
  e.signed_json = SIGNY_TRY(m.object("signed"));
  for (std::size_t i = 0; i < sigs->size(); ++i) {
    const auto& s = (*sigs)[i];
    std::string where = "in-toto metadata signature " + std::to_string(i + 1);
    if (!s.is_object()) return bad(where + " is not an object");
    if (s.contains("other_headers") || s.contains("signature"))
      return fail(Errc::unsupported_scheme, where + " is a GPG signature (not supported)");
    // Other members (spec v0.9's "method") are tolerated and dropped, as the reference does.
    auto keyid = s.find("keyid"), sig = s.find("sig");
    if (keyid == s.end() || !keyid->is_string() || !is_hex(keyid->get_ref<const std::string&>()))
      return bad(where + " needs a hex \"keyid\"");
    if (sig == s.end() || !sig->is_string() || !is_hex(sig->get_ref<const std::string&>()))
      return bad(where + " needs a hex \"sig\"");
    e.signatures.push_back({keyid->get<std::string>(), sig->get<std::string>()});
  }
  auto t = e.signed_json->find("_type");
  if (t == e.signed_json->end() || !t->is_string()) return bad("in-toto metadata \"signed\" needs a string \"_type\"");
  e.type = t->get<std::string>();
  return e;
}

// Python encodes the canonical string as UTF-8; a name that is not valid UTF-8 (a lone surrogate
// after surrogateescape) cannot be encoded, so nothing holding one is signed or verified.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> canonical(const Json& j) {
  auto c = SIGNY_TRY(cjson::sslib_canonical(j));
  if (!valid_utf8(c)) return fail(Errc::unsupported_value, "in-toto metadata holds a string that is not valid UTF-8");
  return c;
}

Json rules_json(const std::vector<ArtifactRule>& rs) {
  Json a = Json::array();
  for (const auto& r : rs) a.push_back(r.words);
  return a;
}

Result<std::string> dump_metablock(const std::vector<Signature>& sigs, Json signed_json) {
  Json s = Json::array();
  for (const auto& sig : sigs) s.push_back(Json{{"keyid", sig.keyid}, {"sig", sig.sig}});
  Json doc{{"signatures", std::move(s)}, {"signed", std::move(signed_json)}};
  // nlohmann's indented form with ensure_ascii is Python's json.dumps(indent=1,
  // separators=(",", ": "), sort_keys=True): same escapes (\b \f \n \r \t, lowercase \u00XX,
  // DEL and non-ASCII as \uXXXX, astral characters as surrogate pairs), std::map key order.
  try {
    return doc.dump(1, ' ', true);
  } catch (const Json::exception&) {  // type_error 316: invalid UTF-8 in a model built by hand
    return fail(Errc::unsupported_value, "in-toto metadata holds a string that is not valid UTF-8");
  }
}

Status add_signature(std::vector<Signature>& signatures, const std::string& canonical, const crypto::PrivateKey& key,
                     const crypto::SslibKey& pub, const std::string& keyid) {
  auto sig = SIGNY_TRY(crypto::sslib_sign(key, pub, as_bytes(canonical)));
  Signature s{keyid, sig["sig"].get<std::string>()};
  // A private key that is not pub's would make a signature nobody can verify: check it here.
  auto ok = crypto::sslib_verify(pub, s.sig, as_bytes(canonical));
  if (!ok) return fail(Errc::crypto_failure, "the new in-toto signature does not verify with key " + keyid.substr(0, 16) + ": " + ok.error().message);
  auto it = std::find_if(signatures.begin(), signatures.end(), [&](const Signature& x) { return x.keyid == keyid; });
  if (it != signatures.end()) {
    *it = std::move(s);
    // Any further signature with that key ID would never be looked at: drop it.
    signatures.erase(std::remove_if(std::next(it), signatures.end(), [&](const Signature& x) { return x.keyid == keyid; }),
                     signatures.end());
  } else {
    signatures.push_back(std::move(s));
  }
  return {};
}

template <class T>
Status sign_impl(Metablock<T>& mb, const crypto::PrivateKey& key, const crypto::SslibKey& pub, const std::string& keyid) {
  auto canonical = canonical_bytes(mb.signed_);
  if (!canonical) return tl::unexpected(canonical.error());
  return add_signature(mb.signatures, *canonical, key, pub, keyid);
}

template <class T>
Status verify_impl(const Metablock<T>& mb, const crypto::SslibKey& key, std::string_view keyid) {
  auto canonical = canonical_bytes(mb.signed_);
  if (!canonical) return tl::unexpected(canonical.error());
  return verify_signature(mb.signatures, *canonical, key, keyid);
}

Status verify_with_layout_key(const std::vector<Signature>& sigs, const std::string& canonical, const LayoutKey& key) {
  if (!key.keyid) return fail(Errc::malformed_key, "the layout's key dict has no \"keyid\" to select a signature by");
  return verify_signature(sigs, canonical, key.key, *key.keyid);
}

}  // namespace

LayoutKey LayoutKey::from(const crypto::SslibKey& key) {
  LayoutKey k;
  k.key = key;
  k.keyid = key.keyid();
  k.dict = key.to_json();
  return k;
}

Result<Layout> layout_from_json(const cjson::Json& signed_json, const ParseOptions& opts) {
  return parse_layout_signed(signed_json, opts);
}

Result<Link> link_from_json(const cjson::Json& signed_json, const ParseOptions& opts) {
  return parse_link_signed(signed_json, opts);
}

Result<std::variant<LayoutMetablock, LinkMetablock>> parse_metablock(std::string_view bytes, const ParseOptions& opts) {
  auto e = SIGNY_TRY(parse_envelope(bytes, opts));
  // Metablock.load: `_type` picks the class; anything else is "Invalid Metadata format".
  if (e.type == "layout") {
    auto l = SIGNY_TRY(parse_layout_signed(*e.signed_json, opts));
    return LayoutMetablock{std::move(l), std::move(e.signatures)};
  }
  if (e.type == "link") {
    auto l = SIGNY_TRY(parse_link_signed(*e.signed_json, opts));
    return LinkMetablock{std::move(l), std::move(e.signatures)};
  }
  return fail(Errc::wrong_type, "in-toto metadata has _type " + quote(e.type) + " (neither \"layout\" nor \"link\")");
}

Result<LayoutMetablock> parse_layout(std::string_view bytes, const ParseOptions& opts) {
  auto e = SIGNY_TRY(parse_envelope(bytes, opts));
  if (e.type != "layout") return fail(Errc::wrong_type, "expected an in-toto layout, got _type " + quote(e.type));
  auto l = SIGNY_TRY(parse_layout_signed(*e.signed_json, opts));
  return LayoutMetablock{std::move(l), std::move(e.signatures)};
}

Result<LinkMetablock> parse_link(std::string_view bytes, const ParseOptions& opts) {
  auto e = SIGNY_TRY(parse_envelope(bytes, opts));
  if (e.type != "link") return fail(Errc::wrong_type, "expected an in-toto link, got _type " + quote(e.type));
  auto l = SIGNY_TRY(parse_link_signed(*e.signed_json, opts));
  return LinkMetablock{std::move(l), std::move(e.signatures)};
}

cjson::Json to_json(const Layout& l) {
  Json keys = Json::object();
  for (const auto& [id, k] : l.keys) keys[id] = k.dict;
  Json steps = Json::array();
  for (const auto& s : l.steps)
    steps.push_back(Json{{"_type", "step"},
                         {"name", s.name},
                         {"expected_materials", rules_json(s.expected_materials)},
                         {"expected_products", rules_json(s.expected_products)},
                         {"pubkeys", s.pubkeys},
                         {"expected_command", s.expected_command},
                         {"threshold", s.threshold}});
  Json inspect = Json::array();
  for (const auto& i : l.inspect)
    inspect.push_back(Json{{"_type", "inspection"},
                           {"name", i.name},
                           {"expected_materials", rules_json(i.expected_materials)},
                           {"expected_products", rules_json(i.expected_products)},
                           {"run", i.run}});
  return Json{{"_type", "layout"}, {"expires", l.expires}, {"readme", l.readme}, {"keys", std::move(keys)},
              {"steps", std::move(steps)}, {"inspect", std::move(inspect)}};
}

cjson::Json to_json(const Link& l) {
  auto arts = [](const ArtifactMap& m) {
    Json o = Json::object();
    for (const auto& [path, h] : m) o[path] = h;
    return o;
  };
  return Json{{"_type", "link"},           {"name", l.name},
              {"command", l.command},      {"materials", arts(l.materials)},
              {"products", arts(l.products)}, {"byproducts", l.byproducts},
              {"environment", l.environment}};
}

Result<std::string> canonical_bytes(const Layout& l) { return canonical(to_json(l)); }
Result<std::string> canonical_bytes(const Link& l) {
  // canonical(to_json(l)) written directly (the artifact maps are most of a link: 10,000 of them
  // would otherwise be built as JSON first): keys in UTF-8 byte order, as std::map holds them.
  std::string out;
  auto str = [&](std::string_view v) { cjson::append_notary_string(out, v); };
  auto arts = [&](const ArtifactMap& m) {
    out += '{';
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it != m.begin()) out += ',';
      str(it->first);
      out += ":{";
      for (auto h = it->second.begin(); h != it->second.end(); ++h) {
        if (h != it->second.begin()) out += ',';
        str(h->first);
        out += ':';
        str(h->second);
      }
      out += '}';
    }
    out += '}';
  };
  out += R"({"_type":"link","byproducts":)";
  out += SIGNY_TRY(cjson::sslib_canonical(l.byproducts));
  out += R"(,"command":)";
  out += SIGNY_TRY(cjson::sslib_canonical(Json(l.command)));
  out += R"(,"environment":)";
  out += SIGNY_TRY(cjson::sslib_canonical(l.environment));
  out += R"(,"materials":)";
  arts(l.materials);
  out += R"(,"name":)";
  str(l.name);
  out += R"(,"products":)";
  arts(l.products);
  out += '}';
  if (!valid_utf8(out)) return fail(Errc::unsupported_value, "in-toto metadata holds a string that is not valid UTF-8");
  return out;
}

Result<std::string> dump(const LayoutMetablock& mb) { return dump_metablock(mb.signatures, to_json(mb.signed_)); }
Result<std::string> dump(const LinkMetablock& mb) { return dump_metablock(mb.signatures, to_json(mb.signed_)); }

Status sign(LayoutMetablock& mb, const crypto::PrivateKey& key, const crypto::SslibKey& pub) {
  return sign_impl(mb, key, pub, pub.keyid());
}
Status sign(LinkMetablock& mb, const crypto::PrivateKey& key, const crypto::SslibKey& pub) {
  return sign_impl(mb, key, pub, pub.keyid());
}
Status sign(LayoutMetablock& mb, const crypto::SslibPrivate& key) { return sign_impl(mb, key.key, key.pub, key.keyid); }
Status sign(LinkMetablock& mb, const crypto::SslibPrivate& key) { return sign_impl(mb, key.key, key.pub, key.keyid); }

Status verify_signature(std::span<const Signature> signatures, std::string_view canonical, const crypto::SslibKey& key,
                        std::string_view keyid) {
  // Metablock.verify_signature: the first signature by that key ID, and only that one.
  auto it = std::find_if(signatures.begin(), signatures.end(), [&](const Signature& s) { return s.keyid == keyid; });
  std::string who = "key " + escape_control(keyid.substr(0, 16));
  if (it == signatures.end()) return fail(Errc::bad_signature, "no signature by " + who);
  if (it->sig.size() % 2 != 0) return fail(Errc::bad_encoding, "the signature by " + who + " is odd-length hex");
  if (key.keytype == "ed25519" && it->sig.size() != 128)
    return fail(Errc::bad_encoding, "the Ed25519 signature by " + who + " is not 64 bytes");
  auto ok = crypto::sslib_verify(key, it->sig, as_bytes(canonical));
  if (!ok) {
    if (ok.error().code == Errc::bad_signature) return fail(Errc::bad_signature, "invalid signature by " + who);
    return tl::unexpected(ok.error().context("verifying the signature by " + who));
  }
  return {};
}

Status verify_signature(const LayoutMetablock& mb, const crypto::SslibKey& key, std::string_view keyid) {
  return verify_impl(mb, key, keyid);
}
Status verify_signature(const LinkMetablock& mb, const crypto::SslibKey& key, std::string_view keyid) {
  return verify_impl(mb, key, keyid);
}
Status verify_signature(const LinkMetablock& mb, const LayoutKey& key) {
  auto canonical = SIGNY_TRY(canonical_bytes(mb.signed_));
  return verify_with_layout_key(mb.signatures, canonical, key);
}
Status verify_signature(const LayoutMetablock& mb, const LayoutKey& key) {
  auto canonical = SIGNY_TRY(canonical_bytes(mb.signed_));
  return verify_with_layout_key(mb.signatures, canonical, key);
}

Result<std::chrono::sys_seconds> parse_expires(std::string_view s) {
  using namespace std::chrono;
  auto bad_time = [&] {
    return fail(Errc::malformed_json, "invalid in-toto expiry " + quote(s) + " (want YYYY-MM-DDTHH:MM:SSZ)");
  };
  // \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z, ASCII digits, nothing before or after.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kShape.size()) return bad_time();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i]) return bad_time();
  }
  auto num = [&](std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  // dateutil.parser.parse must accept it too: a real date (no Feb 30, no year 0), a real time.
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (y < 1 || !ymd.ok() || h > 23 || mi > 59 || se > 59) return bad_time();
  return sys_seconds{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{se};
}

std::string format_expires(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string link_file_name(std::string_view step, std::string_view keyid) {
  return std::string(step) + "." + std::string(keyid.substr(0, 8)) + ".link";
}

}  // namespace signy::intoto
