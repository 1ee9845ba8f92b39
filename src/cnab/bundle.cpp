// bundle.json model and the checks of cnab-spec schema/bundle.schema.json (draft-07), written as
// typed checks: one function per schema object, the schema's names in the messages.
#include "signy/cnab/bundle.hpp"

#include <cmath>
#include <set>

#include "signy/oci/reference.hpp"
#include "signy/util/text.hpp"

namespace signy::cnab {
namespace {

using cjson::Json;

// A JSON path as the messages print it: images.web.size, invocationImages[0].image,
// definitions["a b"].type (keys outside [A-Za-z0-9_-] quoted, control bytes escaped).
std::string member(const std::string& path, std::string_view key) {
  bool plain = !key.empty();
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) plain = false;
  }
  std::string k = plain ? std::string(key) : "[\"" + escape_control(key) + "\"]";
  if (path.empty()) return k;
  return plain ? path + "." + k : path + k;
}
std::string item(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

tl::unexpected<Error> bad(const std::string& path, std::string_view why) {
  return fail(Errc::invalid_bundle, (path.empty() ? std::string("bundle.json") : path) + ": " + std::string(why));
}

// JSON Schema types (draft-07 validation 6.1.1): "integer" is any number with a zero fraction.
bool is_integer(const Json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}
bool is_non_negative_integer(const Json& v) {
  if (!is_integer(v)) return false;
  if (v.is_number_unsigned()) return true;
  return v.is_number_integer() ? v.get<std::int64_t>() >= 0 : v.get<double>() >= 0;
}

Status want_string(const Json& v, const std::string& path) {
  if (!v.is_string()) return bad(path, "not a string");
  return {};
}
Status want_bool(const Json& v, const std::string& path) {
  if (!v.is_boolean()) return bad(path, "not a boolean");
  return {};
}
Status want_object(const Json& v, const std::string& path) {
  if (!v.is_object()) return bad(path, "not an object");
  return {};
}
Status want_string_array(const Json& v, const std::string& path) {
  if (!v.is_array()) return bad(path, "not an array");
  for (std::size_t i = 0; i < v.size(); ++i) SIGNY_TRY_VOID(want_string(v[i], item(path, i)));
  return {};
}
// uniqueItems: equal JSON values have equal RFC 8785 bytes (1 and 1.0 alike), so a set of those
// finds duplicates in n log n whatever the array holds.
Status want_unique(const Json& v, const std::string& path) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto c = SIGNY_TRY(cjson::cnab_canonical(v[i]));
    if (!seen.insert(std::move(c)).second) return bad(item(path, i), "duplicate item (uniqueItems)");
  }
  return {};
}
std::optional<std::string> opt_string(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  return it->get<std::string>();
}

// --- definitions: each a draft-07 JSON Schema (the bundle schema's $ref to the draft-07
// meta-schema; the keyword list of cnab-spec 101 "Definitions"). Unknown keywords are allowed.

Status check_schema(const Json& s, const std::string& path);

Status check_schema_array(const Json& v, const std::string& path) {
  if (!v.is_array()) return bad(path, "not an array of schemas");
  if (v.empty()) return bad(path, "empty (minItems 1)");
  for (std::size_t i = 0; i < v.size(); ++i) SIGNY_TRY_VOID(check_schema(v[i], item(path, i)));
  return {};
}
Status check_schema_map(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [k, sub] : v.items()) SIGNY_TRY_VOID(check_schema(sub, member(path, k)));
  return {};
}
bool is_simple_type(const Json& v) {
  if (!v.is_string()) return false;
  const auto& t = v.get_ref<const std::string&>();
  return t == "array" || t == "boolean" || t == "integer" || t == "null" || t == "number" || t == "object" ||
         t == "string";
}

Status check_schema(const Json& s, const std::string& path) {
  if (s.is_boolean()) return {};
  if (!s.is_object()) return bad(path, "not a JSON Schema (an object or a boolean)");
  for (const auto& [k, v] : s.items()) {
    std::string p = member(path, k);
    if (k == "$comment" || k == "$id" || k == "$ref" || k == "$schema" || k == "contentEncoding" ||
        k == "contentMediaType" || k == "description" || k == "format" || k == "pattern" || k == "title") {
      SIGNY_TRY_VOID(want_string(v, p));
    } else if (k == "readOnly" || k == "writeOnly" || k == "uniqueItems") {
      SIGNY_TRY_VOID(want_bool(v, p));
    } else if (k == "additionalItems" || k == "additionalProperties" || k == "contains" || k == "else" ||
               k == "if" || k == "not" || k == "propertyNames" || k == "then") {
      SIGNY_TRY_VOID(check_schema(v, p));
    } else if (k == "items") {
      if (v.is_array()) SIGNY_TRY_VOID(check_schema_array(v, p));
      else SIGNY_TRY_VOID(check_schema(v, p));
    } else if (k == "allOf" || k == "anyOf" || k == "oneOf") {
      SIGNY_TRY_VOID(check_schema_array(v, p));
    } else if (k == "definitions" || k == "properties" || k == "patternProperties") {
      SIGNY_TRY_VOID(check_schema_map(v, p));
    } else if (k == "dependencies") {
      SIGNY_TRY_VOID(want_object(v, p));
      for (const auto& [dk, dv] : v.items()) {
        if (dv.is_array()) {
          SIGNY_TRY_VOID(want_string_array(dv, member(p, dk)));
          SIGNY_TRY_VOID(want_unique(dv, member(p, dk)));
        } else {
          SIGNY_TRY_VOID(check_schema(dv, member(p, dk)));
        }
      }
    } else if (k == "enum" || k == "examples") {
      if (!v.is_array()) return bad(p, "not an array");
    } else if (k == "maximum" || k == "minimum" || k == "exclusiveMaximum" || k == "exclusiveMinimum") {
      if (!v.is_number()) return bad(p, "not a number");
    } else if (k == "multipleOf") {
      if (!v.is_number()) return bad(p, "not a number");
      if (!(v.get<double>() > 0)) return bad(p, "not greater than 0 (exclusiveMinimum 0)");
    } else if (k == "maxItems" || k == "minItems" || k == "maxLength" || k == "minLength" ||
               k == "maxProperties" || k == "minProperties") {
      if (!is_non_negative_integer(v)) return bad(p, "not a non-negative integer");
    } else if (k == "required") {
      SIGNY_TRY_VOID(want_string_array(v, p));
      SIGNY_TRY_VOID(want_unique(v, p));
    } else if (k == "type") {
      if (v.is_array()) {
        if (v.empty()) return bad(p, "empty (minItems 1)");
        for (std::size_t i = 0; i < v.size(); ++i)
          if (!is_simple_type(v[i])) return bad(item(p, i), "not one of the simple types (array, boolean, integer, null, number, object, string)");
        SIGNY_TRY_VOID(want_unique(v, p));
      } else if (!is_simple_type(v)) {
        return bad(p, "not one of the simple types (array, boolean, integer, null, number, object, string)");
      }
    }
    // const, default and unknown keywords: any value (the meta-schema's "default": true).
  }
  return {};
}

// --- the bundle schema's objects

Status check_labels(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [k, l] : v.items()) SIGNY_TRY_VOID(want_string(l, member(path, k)));
  return {};
}

// #/definitions/invocationImage, and #/definitions/image when component (with `description`).
Result<BaseImage> check_image(const Json& v, const std::string& path, bool component) {
  SIGNY_TRY_VOID(want_object(v, path));
  if (!v.contains("image")) return bad(member(path, "image"), "required");
  BaseImage out;
  out.image_type = "oci";  // the schema's default
  for (const auto& [k, f] : v.items()) {
    std::string p = member(path, k);
    if (k == "image" || k == "imageType" || k == "contentDigest" || k == "mediaType" ||
        (component && k == "description")) {
      SIGNY_TRY_VOID(want_string(f, p));
    } else if (k == "size") {
      // The schema says integer; cnab-go reads it as uint64, so a negative or fractional size
      // is no size at all.
      if (!(f.is_number_unsigned() || (f.is_number_integer() && f.get<std::int64_t>() >= 0)))
        return bad(p, "not a non-negative integer");
      out.size = f.get<std::uint64_t>();
    } else if (k == "labels") {
      SIGNY_TRY_VOID(check_labels(f, p));
      for (const auto& [lk, lv] : f.items()) out.labels.emplace(lk, lv.get<std::string>());
    }
  }
  out.image = v.at("image").get<std::string>();
  if (auto t = opt_string(v, "imageType")) out.image_type = *t;
  out.content_digest = opt_string(v, "contentDigest");
  out.media_type = opt_string(v, "mediaType");
  return out;
}

Status check_actions(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [name, a] : v.items()) {
    std::string ap = member(path, name);
    SIGNY_TRY_VOID(want_object(a, ap));
    for (const auto& [k, f] : a.items()) {
      if (k == "description" || k == "title") SIGNY_TRY_VOID(want_string(f, member(ap, k)));
      else if (k == "modifies" || k == "stateless") SIGNY_TRY_VOID(want_bool(f, member(ap, k)));
    }
  }
  return {};
}

// #/definitions/credential
Status check_credentials(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [name, c] : v.items()) {
    std::string cp = member(path, name);
    SIGNY_TRY_VOID(want_object(c, cp));
    for (const auto& [k, f] : c.items()) {
      if (k == "description" || k == "env" || k == "path") SIGNY_TRY_VOID(want_string(f, member(cp, k)));
      else if (k == "applyTo") SIGNY_TRY_VOID(want_string_array(f, member(cp, k)));
      else if (k == "required") SIGNY_TRY_VOID(want_bool(f, member(cp, k)));
    }
  }
  return {};
}

// #/definitions/parameter
Status check_parameters(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [name, prm] : v.items()) {
    std::string pp = member(path, name);
    SIGNY_TRY_VOID(want_object(prm, pp));
    for (const char* req : {"definition", "destination"})
      if (!prm.contains(req)) return bad(member(pp, req), "required");
    for (const auto& [k, f] : prm.items()) {
      std::string p = member(pp, k);
      if (k == "definition" || k == "description") SIGNY_TRY_VOID(want_string(f, p));
      else if (k == "applyTo") SIGNY_TRY_VOID(want_string_array(f, p));
      else if (k == "required") SIGNY_TRY_VOID(want_bool(f, p));
      else if (k == "destination") {
        SIGNY_TRY_VOID(want_object(f, p));
        for (const auto& [dk, dv] : f.items())
          if (dk == "env" || dk == "path") SIGNY_TRY_VOID(want_string(dv, member(p, dk)));
      }
    }
  }
  return {};
}

// The output path's pattern "^/cnab/app/outputs/.+$" as ECMA-262 reads it: '.' is any character
// but the line terminators (LF, CR, U+2028, U+2029) and '$' is the end of the input.
bool output_path_ok(std::string_view p) {
  constexpr std::string_view prefix = "/cnab/app/outputs/";
  if (p.substr(0, prefix.size()) != prefix || p.size() == prefix.size()) return false;
  std::string_view rest = p.substr(prefix.size());
  if (rest.find_first_of("\n\r") != std::string_view::npos) return false;
  return rest.find("\xE2\x80\xA8") == std::string_view::npos && rest.find("\xE2\x80\xA9") == std::string_view::npos;
}

// #/definitions/output
Status check_outputs(const Json& v, const std::string& path) {
  SIGNY_TRY_VOID(want_object(v, path));
  for (const auto& [name, o] : v.items()) {
    std::string op = member(path, name);
    SIGNY_TRY_VOID(want_object(o, op));
    for (const char* req : {"definition", "path"})
      if (!o.contains(req)) return bad(member(op, req), "required");
    for (const auto& [k, f] : o.items()) {
      std::string p = member(op, k);
      if (k == "definition" || k == "description") SIGNY_TRY_VOID(want_string(f, p));
      else if (k == "applyTo") SIGNY_TRY_VOID(want_string_array(f, p));
      else if (k == "path") {
        SIGNY_TRY_VOID(want_string(f, p));
        if (!output_path_ok(f.get_ref<const std::string&>()))
          return bad(p, "does not match ^/cnab/app/outputs/.+$");
      }
    }
  }
  return {};
}

Result<std::vector<Maintainer>> check_maintainers(const Json& v, const std::string& path) {
  if (!v.is_array()) return bad(path, "not an array");
  std::vector<Maintainer> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string mp = item(path, i);
    const Json& m = v[i];
    SIGNY_TRY_VOID(want_object(m, mp));
    if (!m.contains("name")) return bad(member(mp, "name"), "required");
    for (const auto& [k, f] : m.items())
      if (k == "name" || k == "email" || k == "url") SIGNY_TRY_VOID(want_string(f, member(mp, k)));
    out.push_back({m.at("name").get<std::string>(), opt_string(m, "email"), opt_string(m, "url")});
  }
  return out;
}

constexpr std::string_view kTopLevel[] = {
    "actions",          "credentials", "custom",  "definitions", "description", "images",
    "invocationImages", "keywords",    "license", "maintainers", "name",        "outputs",
    "parameters",       "requiredExtensions",     "schemaVersion",              "version"};

Result<Bundle> check_bundle(Json doc) {
  if (!doc.is_object()) return bad("", "not a JSON object");
  for (const char* req : {"schemaVersion", "name", "version", "invocationImages"})
    if (!doc.contains(req)) return bad(req, "required");
  Bundle b;
  for (const auto& [k, v] : doc.items()) {
    bool known = false;
    for (auto t : kTopLevel) known = known || k == t;
    if (!known) return bad(member("", k), "not allowed (the bundle schema has additionalProperties: false)");
    if (k == "schemaVersion" || k == "name" || k == "description" || k == "license") {
      SIGNY_TRY_VOID(want_string(v, k));
    } else if (k == "version") {
      SIGNY_TRY_VOID(want_string(v, k));
      // The schema's pattern "v?([0-9]+)(\.[0-9]+)?..." is not anchored: JSON Schema patterns
      // match anywhere (draft-07 validation 6.3.3), and all after the first digit run is optional,
      // so it holds exactly when the string has an ASCII digit.
      if (v.get_ref<const std::string&>().find_first_of("0123456789") == std::string::npos)
        return bad(k, "does not match the schema's version pattern (no digit)");
    } else if (k == "keywords") {
      SIGNY_TRY_VOID(want_string_array(v, k));
      b.keywords = v.get<std::vector<std::string>>();
    } else if (k == "requiredExtensions") {
      // The schema gives this array an "additionalProperties" (a no-op on arrays); 101 and cnab-go
      // ([]string) make it a list of extension names.
      SIGNY_TRY_VOID(want_string_array(v, k));
    } else if (k == "maintainers") {
      b.maintainers = SIGNY_TRY(check_maintainers(v, k));
    } else if (k == "invocationImages") {
      if (!v.is_array()) return bad(k, "not an array");
      if (v.empty()) return bad(k, "empty (101: a bundle MUST have at least one invocation image)");
      for (std::size_t i = 0; i < v.size(); ++i) {
        auto img = SIGNY_TRY(check_image(v[i], item(k, i), false));
        b.invocation_images.push_back(std::move(img));
      }
    } else if (k == "images") {
      SIGNY_TRY_VOID(want_object(v, k));
      for (const auto& [name, iv] : v.items()) {
        ComponentImage c;
        c.image = SIGNY_TRY(check_image(iv, member(k, name), true));
        c.description = opt_string(iv, "description");
        b.images.emplace(name, std::move(c));
      }
    } else if (k == "actions") {
      SIGNY_TRY_VOID(check_actions(v, k));
    } else if (k == "credentials") {
      SIGNY_TRY_VOID(check_credentials(v, k));
    } else if (k == "parameters") {
      SIGNY_TRY_VOID(check_parameters(v, k));
    } else if (k == "outputs") {
      SIGNY_TRY_VOID(check_outputs(v, k));
    } else if (k == "definitions") {
      SIGNY_TRY_VOID(check_schema_map(v, k));
    } else if (k == "custom") {
      SIGNY_TRY_VOID(want_object(v, k));
    }
  }
  b.schema_version = doc.at("schemaVersion").get<std::string>();
  b.name = doc.at("name").get<std::string>();
  b.version = doc.at("version").get<std::string>();
  b.description = opt_string(doc, "description");
  b.raw = std::move(doc);
  return b;
}

}  // namespace

Result<Bundle> parse_bundle(std::string_view bytes) {
  cjson::ParseLimits limits;
  limits.max_bytes = kMaxBundleBytes;
  auto doc = SIGNY_TRY(cjson::parse_strict(bytes, limits));
  return check_bundle(std::move(doc));
}

Status check_thin_canonical(std::string_view bytes) {
  cjson::ParseLimits limits;
  limits.max_bytes = kMaxBundleBytes;
  return cjson::check_cnab_canonical(bytes, limits);
}

bool is_oci_digest(std::string_view d) noexcept {
  std::size_t hex = d.substr(0, 7) == "sha256:" ? 64 : d.substr(0, 7) == "sha512:" ? 128 : 0;
  if (hex == 0 || d.size() != 7 + hex) return false;
  for (char c : d.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status check_image_digests(const Bundle& bundle) {
  for (const auto& n : images_of(bundle)) {
    if (!n.image.content_digest) continue;
    std::string_view d = *n.image.content_digest;
    if (!is_oci_digest(d))
      return fail(Errc::invalid_bundle, (n.invocation ? n.name : member("images", n.name)) +
                                            ".contentDigest: not an OCI digest (sha256:<64 hex> or sha512:<128 hex>): " +
                                            escape_control(d.substr(0, 80)));
  }
  return {};
}

std::vector<NamedImage> images_of(const Bundle& bundle) {
  std::vector<NamedImage> out;
  out.reserve(bundle.invocation_images.size() + bundle.images.size());
  for (std::size_t i = 0; i < bundle.invocation_images.size(); ++i)
    out.push_back({item("invocationImages", i), bundle.invocation_images[i], true});
  for (const auto& [name, c] : bundle.images) out.push_back({name, c.image, false});
  return out;
}

Result<RelocationMap> parse_relocation_map(std::string_view bytes) {
  cjson::ParseLimits limits;
  limits.max_bytes = kMaxRelocationMapBytes;
  auto doc = SIGNY_TRY(cjson::parse_strict(bytes, limits).map_error([](Error e) { return e.context("relocation map"); }));
  if (!doc.is_object()) return fail(Errc::invalid_bundle, "relocation map: not a JSON object");
  RelocationMap out;
  for (auto& [k, v] : doc.items()) {
    std::string where = "relocation map: \"" + escape_control(k) + "\"";
    if (k.empty()) return fail(Errc::invalid_bundle, "relocation map: an empty image name");
    if (!v.is_string()) return fail(Errc::invalid_bundle, where + ": not a string");
    const auto& ref = v.get_ref<const std::string&>();
    auto parsed = oci::parse_reference(ref);
    if (!parsed) return fail(Errc::invalid_bundle, where + ": " + parsed.error().message);
    if (!parsed->digest) return fail(Errc::invalid_bundle, where + ": not a digest-pinned reference: " + escape_control(ref));
    out.emplace(k, ref);
  }
  return out;
}

Result<std::string> write_relocation_map(const RelocationMap& map) {
  Json doc = Json::object();
  for (const auto& [k, v] : map) doc[k] = v;
  return cjson::cnab_canonical(doc);
}

}  // namespace signy::cnab
