// The verification policy file (include/signy/policy/policy.hpp, docs/security/policy.md): a
// strict reader (every key known, every value checked) and the scope selection of Notation's
// trust policy (notaryproject specs trust-store-trust-policy.md: exact scope, then the global one,
// at most one global, skip never global), extended with GUN prefixes ("HOST/PATH/*").
#include "signy/policy/policy.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "signy/cjson/cjson.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/file.hpp"
#include "signy/util/text.hpp"

namespace signy::policy {
namespace {

using cjson::Json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxNameBytes = 255;   // distribution/reference: a name of at most 255 characters
constexpr std::size_t kMaxRoleBytes = 255;   // notary data/roles.go keeps role names short; so do we
constexpr std::size_t kMaxPathBytes = 4096;  // PATH_MAX
constexpr std::chrono::hours kMaxAge{24 * 365};
constexpr std::uintmax_t kMaxCaBytes = 8u << 20;  // a CA bundle (the system's is ~200 KiB)

// A value from the document inside a message: quoted, control bytes escaped, at most 80 bytes.
std::string quote(std::string_view s) {
  bool cut = s.size() > 80;
  return "\"" + escape_control(s.substr(0, 80)) + (cut ? "...\"" : "\"");
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view type_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::null: return "null";
    default: return "a number";
  }
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// What docker (and oci::parse_reference) take as a registry host rather than a first path component.
bool names_registry(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto slash = s.find('/', start);
    parts.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

// Why `name` is not a normalised GUN (HOST/PATH as oci::parse_reference writes it), or empty.
// host_only: a registry host alone is fine (the prefix of "HOST/*").
std::string gun_problem(std::string_view name, bool host_only = false) {
  if (name.empty()) return "empty";
  if (name.size() > kMaxNameBytes) return "longer than " + std::to_string(kMaxNameBytes) + " characters";
  auto parts = split(name);
  std::string_view host = parts.front();
  if (!names_registry(host))
    return "no registry host (a reference without one is Docker Hub's: write docker.io/" +
           std::string(parts.size() == 1 ? "library/" : "") + escape_control(name.substr(0, 80)) + ")";
  if (!oci::valid_domain(host)) return "invalid registry host " + quote(host);
  if (lower(host) == "index.docker.io") return "write docker.io for index.docker.io (references are normalised to it)";
  // docker.io/NAME is normalised to docker.io/library/NAME (oci::parse_reference): never matched.
  if (lower(host) == "docker.io" && parts.size() == 2 && !host_only)
    return "write docker.io/library/" + escape_control(parts[1].substr(0, 80)) + " (Docker Hub's official images are normalised to it)";
  if (parts.size() == 1 && !host_only) return "a registry host, not a repository: write HOST/REPOSITORY or HOST/*";
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (!oci::valid_path_component(parts[i]))
      return "repository path component " + quote(parts[i]) + " must be lowercase letters and digits with separators (. _ __ -)";
  return {};
}

enum class ScopeKind { exact, prefix, global };
ScopeKind kind_of(std::string_view scope) {
  if (scope == "*") return ScopeKind::global;
  return scope.ends_with("/*") ? ScopeKind::prefix : ScopeKind::exact;
}

// The comparison form of a scope or GUN: registry hosts are case-insensitive (DNS), paths are
// lowercase by the grammar, so the whole name is lowercased. A prefix keeps its trailing '/'.
std::string match_key(std::string_view scope) {
  if (kind_of(scope) == ScopeKind::prefix) scope.remove_suffix(1);
  return lower(scope);
}

std::string scope_problem(std::string_view scope) {
  if (scope == "*") return {};
  std::string_view name = scope;
  bool prefix = scope.ends_with("/*");
  if (prefix) name.remove_suffix(2);
  if (name.find('*') != std::string_view::npos)
    return "'*' is allowed only alone or as the last component (HOST/PATH/*)";
  return gun_problem(name, prefix);
}

// notary data/roles.go IsDelegation: "targets/" then [-a-z0-9_/], path.Clean'd; or "targets".
bool valid_signing_role(std::string_view role) {
  if (role == "targets") return true;
  if (role.size() > kMaxRoleBytes || !role.starts_with("targets/") || role.size() == 8) return false;
  if (role.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_/") != std::string_view::npos) return false;
  return role.find("//") == std::string_view::npos && role.back() != '/';
}

bool valid_policy_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Errors name where they are: "policies[1] \"prod\": scopes[0]: ...".
struct Reader {
  std::string where;

  tl::unexpected<Error> bad(Errc code, std::string_view key, const std::string& why) const {
    std::string msg = where;
    if (!key.empty()) msg += (msg.empty() ? "" : ": ") + std::string(key);
    return fail(code, msg.empty() ? why : msg + ": " + why);
  }
  tl::unexpected<Error> type(std::string_view key, std::string_view expected, const Json& got) const {
    return bad(Errc::malformed_json, key, "expected " + std::string(expected) + ", got " + std::string(type_of(got)));
  }
  // Refuses keys outside `known`; Notation's names get a hint.
  Status keys(const Json& obj, std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      static const std::map<std::string, std::string, std::less<>> kHints = {
          {"trustPolicies", " (Notation's trustPolicies is \"policies\" here)"},
          {"registryScopes", " (Notation's registryScopes is \"scopes\" here)"},
          {"trustStores", " (pinned roots are \"trustedRoots\" here)"},
          {"trustedIdentities", " (pinned roots are \"trustedRoots\" here)"},
          {"override", " (per-check overrides are not supported: choose the level)"}};
      auto hint = kHints.find(k);
      std::string list;
      for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      return bad(Errc::malformed_json, {}, "unknown key " + quote(k) + (hint != kHints.end() ? hint->second : "") +
                                               "; expected " + list);
    }
    return {};
  }
  // A non-empty array of strings without duplicates.
  Result<std::vector<std::string>> strings(const Json& v, std::string_view key) const {
    if (!v.is_array()) return type(key, "an array of strings", v);
    if (v.empty()) return bad(Errc::unsupported_value, key, "empty list (leave the key out instead)");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!v[i].is_string()) return type(at, "a string", v[i]);
      const auto& s = v[i].get_ref<const std::string&>();
      if (std::find(out.begin(), out.end(), s) != out.end())
        return bad(Errc::unsupported_value, at, quote(s) + " is listed twice");
      out.push_back(s);
    }
    return out;
  }
};

Result<Level> parse_level(std::string_view s) {
  if (s == "strict") return Level::strict;
  if (s == "permissive") return Level::permissive;
  if (s == "audit") return Level::audit;
  if (s == "skip") return Level::skip;
  return fail(Errc::unsupported_value, quote(s) + " is not strict, permissive, audit or skip");
}

Result<Policy> parse_policy(const Json& v, Reader& r, const fs::path& source) {
  if (!v.is_object()) return r.type({}, "an object", v);
  Policy p;
  auto name = v.find("name");
  if (name == v.end()) return r.bad(Errc::malformed_json, {}, "missing \"name\"");
  if (!name->is_string()) return r.type("name", "a string", *name);
  p.name = name->get<std::string>();
  if (!valid_policy_name(p.name))
    return r.bad(Errc::unsupported_value, "name", quote(p.name) + " must be 1 to 64 of A-Z a-z 0-9 . _ -");
  r.where += " " + quote(p.name);
  SIGNY_TRY_VOID(r.keys(v, {"name", "scopes", "signatureVerification", "trustedRoots", "requireInToto",
                            "requireImageDigests", "signingRoles", "maxMetadataAge"}));

  auto scopes = v.find("scopes");
  if (scopes == v.end()) return r.bad(Errc::malformed_json, {}, "missing \"scopes\"");
  p.scopes = SIGNY_TRY(r.strings(*scopes, "scopes"));
  for (std::size_t i = 0; i < p.scopes.size(); ++i) {
    const auto& s = p.scopes[i];
    std::string at = "scopes[" + std::to_string(i) + "]";
    if (auto why = scope_problem(s); !why.empty())
      return r.bad(Errc::unsupported_value, at, quote(s) + " is not a GUN, a GUN prefix HOST[/PATH]/* or *: " + why);
    if (s == "*" && p.scopes.size() > 1)
      return r.bad(Errc::unsupported_value, at, "\"*\" must be the only scope of its policy");
  }
  // Two spellings of one scope (registry hosts are case-insensitive).
  std::set<std::string> keys;
  for (std::size_t i = 0; i < p.scopes.size(); ++i)
    if (!keys.insert(match_key(p.scopes[i])).second)
      return r.bad(Errc::unsupported_value, "scopes[" + std::to_string(i) + "]", quote(p.scopes[i]) + " is listed twice");

  auto sv = v.find("signatureVerification");
  if (sv == v.end()) return r.bad(Errc::malformed_json, {}, "missing \"signatureVerification\"");
  if (!sv->is_object()) return r.type("signatureVerification", "an object", *sv);
  {
    Reader inner{r.where + ": signatureVerification"};
    SIGNY_TRY_VOID(inner.keys(*sv, {"level"}));
    auto level = sv->find("level");
    if (level == sv->end()) return inner.bad(Errc::malformed_json, {}, "missing \"level\"");
    if (!level->is_string()) return inner.type("level", "a string", *level);
    auto l = parse_level(level->get_ref<const std::string&>());
    if (!l) return inner.bad(l.error().code, "level", l.error().message);
    p.level = *l;
  }
  if (p.level == Level::skip) {
    // Notation: skip is never global. It verifies nothing, so a requirement beside it is a mistake.
    if (p.scopes.front() == "*")
      return r.bad(Errc::unsupported_value, "signatureVerification.level",
                   "skip is not allowed on scope \"*\" (skip only for explicit scopes, never global)");
    // Nor on a prefix, which may be a whole registry ("localhost:5000/*"): each GUN named.
    for (const auto& scope : p.scopes)
      if (kind_of(scope) == ScopeKind::prefix)
        return r.bad(Errc::unsupported_value, "signatureVerification.level",
                     "skip is not allowed on the prefix scope " + quote(scope) + " (skip only for explicit scopes: name each GUN)");
    for (auto key : {"trustedRoots", "requireInToto", "requireImageDigests", "signingRoles", "maxMetadataAge"})
      if (v.contains(key)) return r.bad(Errc::unsupported_value, key, "has no effect with level skip (remove it)");
  }

  if (auto tr = v.find("trustedRoots"); tr != v.end()) {
    if (!tr->is_object()) return r.type("trustedRoots", "an object", *tr);
    Reader inner{r.where + ": trustedRoots"};
    SIGNY_TRY_VOID(inner.keys(*tr, {"keys", "ca"}));
    if (tr->empty()) return inner.bad(Errc::unsupported_value, {}, "give \"keys\" or \"ca\" (or leave it out)");
    // With keys the pins are the keys alone (tuf::PinningConfig): a CA beside them would be ignored.
    if (tr->contains("keys") && tr->contains("ca"))
      return inner.bad(Errc::unsupported_value, {}, "give \"keys\" or \"ca\", not both (with keys the CA would be ignored)");
    if (auto k = tr->find("keys"); k != tr->end()) {
      auto ids = SIGNY_TRY(inner.strings(*k, "keys"));
      std::set<std::string> seen;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        std::string at = "keys[" + std::to_string(i) + "]";
        if (ids[i].size() != 64 || ids[i].find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          return inner.bad(Errc::unsupported_value, at, quote(ids[i]) + " is not a key ID (64 hex digits)");
        std::string id = lower(ids[i]);
        if (!seen.insert(id).second) return inner.bad(Errc::unsupported_value, at, quote(ids[i]) + " is listed twice");
        p.root_keys.push_back(std::move(id));
      }
    }
    if (auto ca = tr->find("ca"); ca != tr->end()) {
      if (!ca->is_string()) return inner.type("ca", "a string (a file name)", *ca);
      const auto& file = ca->get_ref<const std::string&>();
      if (file.empty() || file.size() > kMaxPathBytes || has_control(file))
        return inner.bad(Errc::unsupported_value, "ca", quote(file) + " is not a file name");
      fs::path path(file);
      p.root_ca = path.is_relative() && !source.empty() ? source.parent_path() / path : path;
    }
  }

  for (auto [key, field] : {std::pair{"requireInToto", &p.require_in_toto}, {"requireImageDigests", &p.require_image_digests}}) {
    auto it = v.find(key);
    if (it == v.end()) continue;
    if (!it->is_boolean()) return r.type(key, "true or false", *it);
    *field = it->get<bool>();
  }

  if (auto roles = v.find("signingRoles"); roles != v.end()) {
    p.signing_roles = SIGNY_TRY(r.strings(*roles, "signingRoles"));
    for (std::size_t i = 0; i < p.signing_roles.size(); ++i)
      if (!valid_signing_role(p.signing_roles[i]))
        return r.bad(Errc::unsupported_value, "signingRoles[" + std::to_string(i) + "]",
                     quote(p.signing_roles[i]) + " is not a role that signs targets (targets, or targets/NAME of -a-z0-9_/)");
  }

  if (auto age = v.find("maxMetadataAge"); age != v.end()) {
    if (!age->is_string()) return r.type("maxMetadataAge", "a string (a Go duration such as \"10m\")", *age);
    const auto& text = age->get_ref<const std::string&>();
    auto d = parse_duration(text);
    if (!d) return r.bad(Errc::unsupported_value, "maxMetadataAge", d.error().message);
    if (*d > kMaxAge) return r.bad(Errc::unsupported_value, "maxMetadataAge", quote(text) + " is longer than 8760h (a year)");
    if (*d % std::chrono::seconds(1) != std::chrono::nanoseconds(0))
      return r.bad(Errc::unsupported_value, "maxMetadataAge", quote(text) + " is not a whole number of seconds");
    p.max_metadata_age = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  return p;
}

Result<Document> parse_document(std::string_view json, const fs::path& source) {
  if (json.size() > kMaxPolicyBytes)
    return fail(Errc::too_large, "policy document is larger than " + std::to_string(kMaxPolicyBytes) + " bytes");
  auto parsed = cjson::parse_strict(json, {.max_bytes = kMaxPolicyBytes, .max_depth = 8});
  if (!parsed) return tl::unexpected(parsed.error().context("not a policy document"));
  const Json& root = *parsed;
  Reader r;
  if (!root.is_object()) return r.type("policy document", "an object", root);
  SIGNY_TRY_VOID(r.keys(root, {"version", "policies"}));
  Document doc;
  auto version = root.find("version");
  if (version == root.end()) return r.bad(Errc::malformed_json, {}, "missing \"version\"");
  if (!version->is_string()) return r.type("version", "a string", *version);
  doc.version = version->get<std::string>();
  if (doc.version != "1.0")
    return r.bad(Errc::unsupported_value, "version", quote(doc.version) + " is not supported (only \"1.0\")");
  auto policies = root.find("policies");
  if (policies == root.end()) return r.bad(Errc::malformed_json, {}, "missing \"policies\"");
  if (!policies->is_array()) return r.type("policies", "an array", *policies);
  if (policies->empty()) return r.bad(Errc::unsupported_value, "policies", "empty list (every bundle would be denied)");
  if (policies->size() > kMaxPolicies)
    return r.bad(Errc::too_large, "policies", std::to_string(policies->size()) + " policies, more than " +
                                                   std::to_string(kMaxPolicies));
  std::map<std::string, std::string> scope_owner;  // match key -> policy name
  for (std::size_t i = 0; i < policies->size(); ++i) {
    Reader pr{"policies[" + std::to_string(i) + "]"};
    auto p = SIGNY_TRY(parse_policy((*policies)[i], pr, source));
    for (const auto& q : doc.policies)
      if (q.name == p.name) return pr.bad(Errc::unsupported_value, "name", "another policy has this name");
    for (std::size_t s = 0; s < p.scopes.size(); ++s) {
      auto [it, fresh] = scope_owner.emplace(match_key(p.scopes[s]), p.name);
      if (!fresh)
        return pr.bad(Errc::unsupported_value, "scopes[" + std::to_string(s) + "]",
                      quote(p.scopes[s]) + (p.scopes[s] == "*" ? " is already the scope of policy " : " is also a scope of policy ") +
                          quote(it->second) + " (a scope belongs to one policy)");
    }
    doc.policies.push_back(std::move(p));
  }
  return doc;
}

}  // namespace

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::strict: return "strict";
    case Level::permissive: return "permissive";
    case Level::audit: return "audit";
    case Level::skip: return "skip";
  }
  return "strict";
}

Result<Document> parse(std::string_view json, const fs::path& source) {
  auto doc = parse_document(json, source);
  if (!doc) return source.empty() ? doc : tl::unexpected(doc.error().context(source.string()));
  doc->source = source;
  return doc;
}

Result<Document> load(const fs::path& file) {
  auto text = SIGNY_TRY(read_file_limited(file, kMaxPolicyBytes));
  return parse(text, file);
}

Result<Document> load_from_trust_dir(const fs::path& trust_dir) {
  fs::path file = trust_dir / "policy.json";
  std::error_code ec;
  auto st = fs::symlink_status(file, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return fail(Errc::io_error, "cannot stat " + file.string() + ": " + ec.message());
  if (st.type() == fs::file_type::not_found) return default_document();
  return load(file);
}

Status check_files(const Document& doc) {
  for (const auto& p : doc.policies) {
    if (!p.root_ca) continue;
    auto ca = read_file_limited(*p.root_ca, kMaxCaBytes);
    if (!ca) return tl::unexpected(ca.error().context("policy " + quote(p.name) + ": trustedRoots: ca"));
  }
  return {};
}

std::string format_age(std::chrono::seconds age) {
  auto s = age.count();
  if (s < 60) return std::to_string(s) + "s";
  std::string out;
  if (s >= 3600) out = std::to_string(s / 3600) + "h";
  return out + std::to_string(s % 3600 / 60) + "m" + std::to_string(s % 60) + "s";
}

Result<Selection> select(const Document& doc, std::string_view gun) {
  if (auto why = gun_problem(gun); !why.empty())
    return fail(Errc::unsupported_value, "choosing a policy for " + quote(gun) + ": not a repository name: " + why);
  std::string key = lower(gun);
  const Policy* global = nullptr;
  const Policy* best = nullptr;
  std::string best_scope;
  std::size_t best_len = 0;
  for (const auto& p : doc.policies) {
    for (const auto& scope : p.scopes) {
      switch (kind_of(scope)) {
        case ScopeKind::global:
          global = &p;
          break;
        case ScopeKind::exact:
          if (match_key(scope) == key) return Selection{&p, scope, "scope " + scope + " of policy " + p.name + " (exact)"};
          break;
        case ScopeKind::prefix: {
          std::string prefix = match_key(scope);  // "host/path/"
          if (key.starts_with(prefix) && prefix.size() > best_len) {
            best = &p, best_scope = scope, best_len = prefix.size();
          }
          break;
        }
      }
    }
  }
  if (best) return Selection{best, best_scope, "scope " + best_scope + " of policy " + best->name + " (longest prefix)"};
  if (global) return Selection{global, "*", "scope * of policy " + global->name + " (global: no exact or prefix scope matches)"};
  std::string in = doc.source.empty() ? "" : " in " + doc.source.string();
  return fail(Errc::policy_denied, "no policy applies to " + quote(gun) + ": no scope" + in + " matches it and there is no \"*\" policy");
}

Document default_document() {
  Document doc;
  doc.version = "1.0";
  Policy p;
  p.name = "default";
  p.scopes = {"*"};
  p.level = Level::strict;
  p.require_in_toto = false;
  p.require_image_digests = true;
  doc.policies.push_back(std::move(p));
  return doc;
}

}  // namespace signy::policy
