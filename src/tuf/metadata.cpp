#include "signy/tuf/metadata.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>

#include "signy/crypto/digest.hpp"
#include "signy/crypto/threshold.hpp"

namespace signy::tuf {
namespace {

constexpr std::size_t kMaxMetadataBytes = 100u << 20;  // Notary's MaxDownloadSize

Error bad(std::string_view what) { return Error{Errc::malformed_json, std::string(what)}; }

Result<const Json*> field(const Json& obj, const char* name, Json::value_t type, std::string_view ctx) {
  auto it = obj.find(name);
  if (it == obj.end()) return tl::unexpected(bad(std::string(ctx) + ": missing \"" + name + "\""));
  bool ok = it->type() == type ||
            (type == Json::value_t::number_integer && it->type() == Json::value_t::number_unsigned);
  if (!ok) return tl::unexpected(bad(std::string(ctx) + ": \"" + name + "\" has the wrong type"));
  return &*it;
}

Result<std::int64_t> integer(const Json& obj, const char* name, std::string_view ctx, std::int64_t min) {
  auto* v = SIGNY_TRY(field(obj, name, Json::value_t::number_integer, ctx));
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > (1ull << 53))
    return tl::unexpected(bad(std::string(ctx) + ": \"" + name + "\" is too large"));
  auto n = v->get<std::int64_t>();
  if (n < min) return tl::unexpected(bad(std::string(ctx) + ": \"" + name + "\" must be at least " + std::to_string(min)));
  return n;
}

Result<std::string> string(const Json& obj, const char* name, std::string_view ctx) {
  auto* v = SIGNY_TRY(field(obj, name, Json::value_t::string, ctx));
  return v->get<std::string>();
}

Result<std::vector<std::string>> string_list(const Json& obj, const char* name, std::string_view ctx) {
  auto* v = SIGNY_TRY(field(obj, name, Json::value_t::array, ctx));
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) return tl::unexpected(bad(std::string(ctx) + ": \"" + name + "\" must hold strings"));
    out.push_back(e.get<std::string>());
  }
  return out;
}

// A file entry's fields as found, from a DOM or from parse events, so that both are checked by
// the same rules (file_meta_from_parts).
struct FileMetaParts {
  enum class Shape { missing, ok, wrong };
  Shape length_shape = Shape::missing;
  std::int64_t length = 0;
  bool length_unsigned = false;
  Shape hashes_shape = Shape::missing;
  std::vector<std::pair<std::string, std::optional<std::string>>> hashes;  // nullopt: not a string
  const Json* custom = nullptr;
};

// `what` and `name` say where the entry is ("target" "v1"); the message is built only on error,
// since a collection may list tens of thousands of entries.
Result<FileMeta> file_meta_from_parts(FileMetaParts& p, std::string_view what, std::string_view name) {
  auto where = [&] { return std::string(what) + (name.empty() ? "" : " " + std::string(name.substr(0, 64))); };
  using Shape = FileMetaParts::Shape;
  FileMeta m;
  if (p.length_shape == Shape::missing) return tl::unexpected(bad(where() + ": missing \"length\""));
  if (p.length_shape == Shape::wrong) return tl::unexpected(bad(where() + ": \"length\" has the wrong type"));
  if (p.length_unsigned && static_cast<std::uint64_t>(p.length) > (1ull << 53))
    return tl::unexpected(bad(where() + ": \"length\" is too large"));
  if (p.length < 0) return tl::unexpected(bad(where() + ": \"length\" must be at least 0"));
  m.length = p.length;
  if (p.hashes_shape == Shape::missing) return tl::unexpected(bad(where() + ": missing \"hashes\""));
  if (p.hashes_shape == Shape::wrong) return tl::unexpected(bad(where() + ": \"hashes\" has the wrong type"));
  for (auto& [alg, h] : p.hashes) {
    if (!h) return tl::unexpected(bad(where() + ": hash " + alg + " is not a string"));
    // Digests up to SHA-512's size are decoded on the stack (tens of thousands of them).
    std::array<std::uint8_t, 64> small{};
    Bytes large;
    Hashes::View raw;
    if (auto n = base64_decode_to(*h, small)) {
      raw = Hashes::View(small.data(), *n);
    } else if (n.error().code == Errc::too_large) {
      auto b = base64_decode(*h);
      if (!b) return tl::unexpected(bad(where() + ": hash " + alg + " is not base64"));
      large = std::move(*b);
      raw = large;
    } else {
      return tl::unexpected(bad(where() + ": hash " + alg + " is not base64"));
    }
    // notary tuf/data CheckValidHashStructures: known algorithms must have their exact size.
    if ((alg == "sha256" && raw.size() != 32) || (alg == "sha512" && raw.size() != 64))
      return tl::unexpected(bad(where() + ": " + alg + " hash has the wrong length"));
    m.hashes.set(alg, raw);
  }
  if (p.custom && !p.custom->is_null()) m.custom = *p.custom;
  return m;
}

Result<FileMeta> parse_file_meta(const Json& j, std::string_view what, std::string_view name = {}) {
  if (!j.is_object())
    return tl::unexpected(bad(std::string(what) + (name.empty() ? "" : " " + std::string(name.substr(0, 64))) + " is not an object"));
  using Shape = FileMetaParts::Shape;
  FileMetaParts p;
  if (auto it = j.find("length"); it != j.end()) {
    p.length_shape = it->is_number_integer() ? Shape::ok : Shape::wrong;  // number_unsigned included
    if (p.length_shape == Shape::ok) {
      p.length_unsigned = it->is_number_unsigned();
      p.length = p.length_unsigned ? static_cast<std::int64_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), INT64_MAX))
                                   : it->get<std::int64_t>();
    }
  }
  if (auto it = j.find("hashes"); it != j.end()) {
    p.hashes_shape = it->is_object() ? Shape::ok : Shape::wrong;
    if (it->is_object())
      for (const auto& [alg, h] : it->items())
        p.hashes.emplace_back(alg, h.is_string() ? std::optional<std::string>(h.get<std::string>()) : std::nullopt);
  }
  if (auto it = j.find("custom"); it != j.end()) p.custom = &*it;
  return file_meta_from_parts(p, what, name);
}

// A targets entry taken from the parse events ({"hashes":{...},"length":N}, the shape Notary
// writes), without building its DOM; an entry that starts with another key (such as "custom")
// is left to the DOM. Both end in file_meta_from_parts.
class FileMetaSink : public cjson::MemberSink {
 public:
  explicit FileMetaSink(std::map<std::string, FileMeta>& out) : out_(out) {}
  bool accept(std::string_view first_key) override {
    parts_ = FileMetaParts{};
    key_.clear();
    in_hashes_ = false;
    return first_key == "hashes";
  }
  void key(std::size_t depth, std::string_view k) override {
    if (depth == 1) key_.assign(k);
    else if (depth == 2 && in_hashes_) alg_.assign(k);
  }
  void string(std::size_t depth, std::string&& v) override {
    if (depth == 1) mark_wrong();
    else if (depth == 2 && in_hashes_) parts_.hashes.emplace_back(std::move(alg_), std::move(v));
  }
  void integer(std::size_t depth, std::int64_t v, bool is_unsigned) override {
    if (depth == 1 && key_ == "length") {
      parts_.length_shape = FileMetaParts::Shape::ok;
      parts_.length = v;
      parts_.length_unsigned = is_unsigned;
    } else if (depth == 1) {
      mark_wrong();
    } else if (depth == 2 && in_hashes_) {
      parts_.hashes.emplace_back(std::move(alg_), std::nullopt);
    }
  }
  void other(std::size_t depth) override {
    if (depth == 1) mark_wrong();
    else if (depth == 2 && in_hashes_) parts_.hashes.emplace_back(std::move(alg_), std::nullopt);
  }
  void open(std::size_t depth, bool array) override {
    if (depth == 1 && key_ == "hashes" && !array) {
      parts_.hashes_shape = FileMetaParts::Shape::ok;
      in_hashes_ = true;
    } else if (depth == 1) {
      mark_wrong();
    } else if (depth == 2 && in_hashes_) {
      parts_.hashes.emplace_back(std::move(alg_), std::nullopt);
    }
  }
  void close(std::size_t depth) override {
    if (depth == 1) in_hashes_ = false;
  }
  Status end(std::string&& name) override {
    auto meta = SIGNY_TRY(file_meta_from_parts(parts_, "target", name));
    out_.emplace_hint(out_.end(), std::move(name), std::move(meta));  // sorted input: O(1)
    return {};
  }

 private:
  // A "length" or "hashes" of another type; other keys' values are not looked at (as in Go).
  void mark_wrong() {
    if (key_ == "length") parts_.length_shape = FileMetaParts::Shape::wrong;
    else if (key_ == "hashes") parts_.hashes_shape = FileMetaParts::Shape::wrong;
  }
  std::map<std::string, FileMeta>& out_;
  FileMetaParts parts_;
  std::string key_, alg_;
  bool in_hashes_ = false;
};

Json file_meta_json(const FileMeta& m) {
  Json hashes = Json::object();
  m.hashes.for_each([&](std::string_view alg, Hashes::View h) { hashes[std::string(alg)] = base64_encode(h); });
  Json j{{"hashes", hashes}, {"length", m.length}};
  if (m.custom) j["custom"] = *m.custom;
  return j;
}

Result<std::map<std::string, crypto::NotaryKey>> parse_keys(const Json& j, std::string_view ctx) {
  if (!j.is_object()) return tl::unexpected(bad(std::string(ctx) + ": \"keys\" is not an object"));
  std::map<std::string, crypto::NotaryKey> keys;
  for (const auto& [id, k] : j.items()) {
    auto key = crypto::NotaryKey::from_json(k);
    if (!key) return tl::unexpected(key.error().context(std::string(ctx) + ": key " + id));
    keys.emplace(id, std::move(*key));
  }
  return keys;
}

Result<RoleKeys> parse_role_keys(const Json& j, std::string_view ctx) {
  if (!j.is_object()) return tl::unexpected(bad(std::string(ctx) + " is not an object"));
  RoleKeys r;
  r.keyids = SIGNY_TRY(string_list(j, "keyids", ctx));
  r.threshold = SIGNY_TRY(integer(j, "threshold", ctx, 1));
  return r;
}

Json role_keys_json(const RoleKeys& r) { return Json{{"keyids", r.keyids}, {"threshold", r.threshold}}; }

// A parsed envelope: the typed result with its signatures, common fields and canonical bytes,
// and the `signed` object's DOM for the role's own fields (without the members handed to
// on_member, when given).
template <class T>
struct Envelope {
  Signed<T> out;
  Json signed_json;
};

template <class T>
Result<Envelope<T>> parse_envelope(std::string_view bytes, RoleType type, const std::vector<std::string>& collect_at = {},
                                   std::function<Status(std::string&&, Json&&)> on_member = {},
                                   const std::function<void()>& reset = {}, bool keep_canonical = true,
                                   cjson::MemberSink* member_sink = nullptr) {
  const std::string ctx(type_name(type));
  cjson::ParseLimits limits;
  limits.max_bytes = kMaxMetadataBytes;
  // One pass for Go-written (already canonical) files; the DOM path for anything else.
  std::optional<crypto::Sha256Hasher> hasher;
  if (!keep_canonical) hasher.emplace();
  cjson::StreamOptions stream{{"signed"}, collect_at, std::move(on_member), {}, {}, member_sink};
  if (hasher) stream.canonical_sink = [&hasher](std::string_view piece) { hasher->update(as_bytes(piece)); };
  stream.on_restart = [&] {
    if (reset) reset();
    if (hasher) hasher.emplace();
  };
  auto streamed = cjson::parse_strict_stream(bytes, stream, limits);
  Json doc;
  std::string canonical;
  if (streamed) {
    doc = std::move(streamed->doc);
    canonical = std::move(streamed->canonical);
  } else if (streamed.error().code == Errc::not_canonical || streamed.error().code == Errc::not_found) {
    if (reset) reset();
    auto parsed = cjson::parse_strict(bytes, limits);
    if (!parsed) return tl::unexpected(parsed.error().context(ctx + " metadata"));
    doc = std::move(*parsed);
  } else {
    return tl::unexpected(streamed.error().context(ctx + " metadata"));
  }
  if (!doc.is_object()) return tl::unexpected(bad(ctx + " metadata is not a JSON object"));
  Envelope<T> env;
  auto& out = env.out;
  auto* sj = SIGNY_TRY(field(doc, "signed", Json::value_t::object, ctx + " metadata"));
  auto* sigs = SIGNY_TRY(field(doc, "signatures", Json::value_t::array, ctx + " metadata"));
  for (const auto& s : *sigs) {
    if (!s.is_object()) return tl::unexpected(bad(ctx + " metadata: a signature is not an object"));
    Signature sig;
    sig.keyid = SIGNY_TRY(string(s, "keyid", ctx + " signature"));
    sig.method = SIGNY_TRY(string(s, "method", ctx + " signature"));
    std::transform(sig.method.begin(), sig.method.end(), sig.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto raw = base64_decode(SIGNY_TRY(string(s, "sig", ctx + " signature")));
    if (!raw) return tl::unexpected(bad(ctx + " metadata: a signature is not base64"));
    sig.sig = std::move(*raw);
    out.signatures.push_back(std::move(sig));
  }
  auto t = SIGNY_TRY(string(*sj, "_type", ctx));
  if (t != type_name(type))
    return tl::unexpected(Error{Errc::wrong_type, "expected " + ctx + " metadata, got _type \"" + t.substr(0, 32) + "\""});
  out.signed_.version = SIGNY_TRY(integer(*sj, "version", ctx, 1));
  auto expires = parse_rfc3339(SIGNY_TRY(string(*sj, "expires", ctx)));
  if (!expires) return tl::unexpected(expires.error().context(ctx + " expires"));
  out.signed_.expires = *expires;
  if (!streamed) {
    auto c = cjson::notary_canonical(*sj);
    if (!c) return tl::unexpected(c.error().context(ctx));
    canonical = std::move(*c);
    if (hasher) {
      hasher.emplace();  // the streamed attempt may have fed part of the bytes
      hasher->update(as_bytes(canonical));
      canonical = std::string();
    }
  }
  if (hasher) out.canonical_sha256 = hasher->finish();
  out.canonical = std::move(canonical);
  env.signed_json = std::move(*sj);
  return env;
}

}  // namespace

Hashes::View Hashes::get(std::string_view alg) const {
  if (alg == "sha256" && (present_ & 1)) return View(sha256_);
  if (alg == "sha512" && (present_ & 2)) return View(sha512_);
  for (const auto& [name, digest] : other_)
    if (name == alg) return View(digest);
  return {};
}

void Hashes::set(std::string_view alg, View digest) {
  auto it = std::lower_bound(other_.begin(), other_.end(), alg, [](const auto& e, std::string_view a) { return e.first < a; });
  bool listed = it != other_.end() && it->first == alg;
  std::uint8_t bit = alg == "sha256" ? 1 : alg == "sha512" ? 2 : 0;
  std::span<std::uint8_t> slot = bit == 1 ? std::span<std::uint8_t>(sha256_) : bit == 2 ? std::span<std::uint8_t>(sha512_)
                                                                                          : std::span<std::uint8_t>();
  if (bit && digest.size() == slot.size()) {  // the usual case: inline
    std::copy(digest.begin(), digest.end(), slot.begin());
    present_ |= bit;
    if (listed) other_.erase(it);
    return;
  }
  present_ &= static_cast<std::uint8_t>(~bit);  // one entry per name
  if (listed) it->second.assign(digest.begin(), digest.end());
  else other_.emplace(it, std::string(alg), Bytes(digest.begin(), digest.end()));
}

std::size_t Hashes::size() const { return ((present_ & 1) ? 1 : 0) + ((present_ & 2) ? 1 : 0) + other_.size(); }

FileMeta make_file_meta(std::string_view bytes) {
  FileMeta m;
  m.length = static_cast<std::int64_t>(bytes.size());
  auto a = crypto::sha256(as_bytes(bytes));
  auto b = crypto::sha512(as_bytes(bytes));
  m.hashes.set("sha256", a);
  m.hashes.set("sha512", b);
  return m;
}

std::string_view type_name(RoleType t) {
  switch (t) {
    case RoleType::root: return "Root";
    case RoleType::targets: return "Targets";
    case RoleType::snapshot: return "Snapshot";
    case RoleType::timestamp: return "Timestamp";
  }
  return "";
}

Result<Signed<Root>> parse_root(std::string_view bytes) {
  auto env = SIGNY_TRY(parse_envelope<Root>(bytes, RoleType::root));
  const Json& j = env.signed_json;
  auto& r = env.out.signed_;
  if (auto it = j.find("consistent_snapshot"); it != j.end()) {
    if (!it->is_boolean()) return tl::unexpected(bad("Root: \"consistent_snapshot\" is not a boolean"));
    r.consistent_snapshot = it->get<bool>();
  }
  r.keys = SIGNY_TRY(parse_keys(*SIGNY_TRY(field(j, "keys", Json::value_t::object, "Root")), "Root"));
  auto* roles = SIGNY_TRY(field(j, "roles", Json::value_t::object, "Root"));
  for (const auto& [name, rj] : roles->items()) r.roles[name] = SIGNY_TRY(parse_role_keys(rj, "Root role " + name));
  // notary tuf/data/root.go isValidRootStructure: the four base roles, keys that exist.
  for (const char* base : {"root", "targets", "snapshot", "timestamp"}) {
    auto it = r.roles.find(base);
    if (it == r.roles.end()) return tl::unexpected(bad(std::string("Root: no \"") + base + "\" role"));
    for (const auto& id : it->second.keyids)
      if (!r.keys.contains(id))
        return tl::unexpected(bad(std::string("Root: role ") + base + " lists unknown key " + id.substr(0, 64)));
  }
  return std::move(env.out);
}

Result<Signed<Targets>> parse_targets(std::string_view bytes, bool keep_canonical) {
  // The targets map is filled entry by entry while parsing (Go-written files: from the parse
  // events, or from a small DOM for unusual entries), or from the DOM (anything else); all go
  // through file_meta_from_parts. (Measured: handing the entries to a second thread costs more,
  // in cross-thread frees and a second malloc arena, than it saves.)
  std::map<std::string, FileMeta> targets;
  auto add = [&targets](std::string&& name, Json&& m) -> Status {
    auto meta = SIGNY_TRY(parse_file_meta(m, "target", name));
    targets.emplace_hint(targets.end(), std::move(name), std::move(meta));  // sorted input: O(1)
    return {};
  };
  FileMetaSink sink(targets);
  auto env = SIGNY_TRY(parse_envelope<Targets>(bytes, RoleType::targets, {"signed", "targets"}, add,
                                               [&targets] { targets.clear(); }, keep_canonical, &sink));
  Json& j = env.signed_json;
  auto& t = env.out.signed_;
  auto* dom_targets = SIGNY_TRY(field(j, "targets", Json::value_t::object, "Targets"));
  for (auto it = dom_targets->begin(); it != dom_targets->end(); ++it) {  // the DOM path only
    std::string name = it.key();
    Json m = it.value();
    auto st = add(std::move(name), std::move(m));
    if (!st) return tl::unexpected(st.error().context("Targets metadata"));  // as the one-pass path says it
  }
  t.targets = std::move(targets);
  if (auto it = j.find("delegations"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return tl::unexpected(bad("Targets: \"delegations\" is not an object"));
    t.delegations.keys = SIGNY_TRY(parse_keys(*SIGNY_TRY(field(*it, "keys", Json::value_t::object, "delegations")), "delegations"));
    auto* roles = SIGNY_TRY(field(*it, "roles", Json::value_t::array, "delegations"));
    std::set<std::string> seen;
    for (const auto& rj : *roles) {
      DelegatedRole d;
      if (!rj.is_object()) return tl::unexpected(bad("delegations: a role is not an object"));
      d.name = SIGNY_TRY(string(rj, "name", "delegated role"));
      d.keys = SIGNY_TRY(parse_role_keys(rj, "delegated role " + d.name.substr(0, 64)));
      if (rj.contains("paths")) d.paths = SIGNY_TRY(string_list(rj, "paths", "delegated role " + d.name.substr(0, 64)));
      if (!seen.insert(d.name).second) return tl::unexpected(bad("delegations: role " + d.name.substr(0, 64) + " listed twice"));
      for (const auto& id : d.keys.keyids)
        if (!t.delegations.keys.contains(id))
          return tl::unexpected(bad("delegated role " + d.name.substr(0, 64) + " lists unknown key " + id.substr(0, 64)));
      t.delegations.roles.push_back(std::move(d));
    }
  }
  return std::move(env.out);
}

Result<Signed<Snapshot>> parse_snapshot(std::string_view bytes) {
  auto env = SIGNY_TRY(parse_envelope<Snapshot>(bytes, RoleType::snapshot));
  auto& sn = env.out.signed_;
  auto* meta = SIGNY_TRY(field(env.signed_json, "meta", Json::value_t::object, "Snapshot"));
  for (const auto& [role, m] : meta->items()) sn.meta[role] = SIGNY_TRY(parse_file_meta(m, "Snapshot meta", role));
  // notary IsValidSnapshotStructure: root and targets are listed with a sha256.
  for (const char* must : {"root", "targets"}) {
    auto it = sn.meta.find(must);
    if (it == sn.meta.end() || !it->second.hashes.contains("sha256"))
      return tl::unexpected(bad(std::string("Snapshot: no sha256 for ") + must));
  }
  return std::move(env.out);
}

Result<Signed<Timestamp>> parse_timestamp(std::string_view bytes) {
  auto env = SIGNY_TRY(parse_envelope<Timestamp>(bytes, RoleType::timestamp));
  auto& ts = env.out.signed_;
  auto* meta = SIGNY_TRY(field(env.signed_json, "meta", Json::value_t::object, "Timestamp"));
  auto it = meta->find("snapshot");
  if (it == meta->end()) return tl::unexpected(bad("Timestamp: no snapshot in meta"));
  ts.snapshot = SIGNY_TRY(parse_file_meta(*it, "Timestamp meta snapshot"));
  if (!ts.snapshot.hashes.contains("sha256")) return tl::unexpected(bad("Timestamp: no sha256 for snapshot"));
  return std::move(env.out);
}

namespace {
// Follows the SAX events and keeps only signed.version.
class VersionSax : public nlohmann::json_sax<Json> {
 public:
  std::optional<std::int64_t> version;
  bool null() override { return leaf(); }
  bool boolean(bool) override { return leaf(); }
  bool number_integer(number_integer_t v) override { return number(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return v <= static_cast<number_unsigned_t>(INT64_MAX) ? number(static_cast<std::int64_t>(v)) : leaf();
  }
  bool number_float(number_float_t, const string_t&) override { return leaf(); }
  bool string(string_t&) override { return leaf(); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(); }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool leaf() { return true; }
  bool number(std::int64_t v) {
    if (path_.size() == 2 && path_[1] == "signed" && key_ == "version") version = v;
    return true;
  }
  bool open() {
    if (path_.size() >= 64) return false;
    path_.push_back(path_.empty() ? std::string() : key_);
    return true;
  }
  bool close() {
    path_.pop_back();
    return true;
  }
  std::vector<std::string> path_;
  std::string key_;
};
}  // namespace

Result<std::int64_t> peek_version(std::string_view bytes) {
  VersionSax sax;
  if (!Json::sax_parse(bytes.begin(), bytes.end(), &sax, nlohmann::json::input_format_t::json, true) || !sax.version)
    return fail(Errc::malformed_json, "no signed.version");
  return *sax.version;
}

Json to_json(const Root& r) {
  Json keys = Json::object();
  for (const auto& [id, k] : r.keys) keys[id] = k.to_json();
  Json roles = Json::object();
  for (const auto& [name, rk] : r.roles) roles[name] = role_keys_json(rk);
  return Json{{"_type", "Root"}, {"consistent_snapshot", r.consistent_snapshot}, {"expires", format_rfc3339nano(r.expires)},
              {"keys", keys}, {"roles", roles}, {"version", r.version}};
}

Json to_json(const Targets& t) {
  Json keys = Json::object();
  for (const auto& [id, k] : t.delegations.keys) keys[id] = k.to_json();
  Json roles = Json::array();
  for (const auto& d : t.delegations.roles) {
    Json rj = role_keys_json(d.keys);
    rj["name"] = d.name;
    if (!d.paths.empty()) rj["paths"] = d.paths;  // Go: `paths,omitempty`
    roles.push_back(rj);
  }
  Json targets = Json::object();
  for (const auto& [name, m] : t.targets) targets[name] = file_meta_json(m);
  return Json{{"_type", "Targets"}, {"delegations", {{"keys", keys}, {"roles", roles}}},
              {"expires", format_rfc3339nano(t.expires)}, {"targets", targets}, {"version", t.version}};
}

Json to_json(const Snapshot& s) {
  Json meta = Json::object();
  for (const auto& [role, m] : s.meta) meta[role] = file_meta_json(m);
  return Json{{"_type", "Snapshot"}, {"expires", format_rfc3339nano(s.expires)}, {"meta", meta}, {"version", s.version}};
}

Json to_json(const Timestamp& t) {
  return Json{{"_type", "Timestamp"}, {"expires", format_rfc3339nano(t.expires)},
              {"meta", {{"snapshot", file_meta_json(t.snapshot)}}}, {"version", t.version}};
}

Result<std::string> canonical_bytes(const Json& signed_json) { return cjson::notary_canonical(signed_json); }

Result<std::string> canonical_bytes(const Targets& t) {
  // Keys in canonical order: _type, delegations, expires, targets, version. The targets map is
  // written entry by entry; every other part goes through the one canonical encoder.
  Targets head;
  head.delegations = t.delegations;
  head.expires = t.expires;
  head.version = t.version;
  Json j = to_json(head);
  std::string out = "{\"_type\":\"Targets\",\"delegations\":";
  out.reserve(4096 + t.targets.size() * 200);  // a target with sha256 and sha512 is ~190 bytes
  out += SIGNY_TRY(cjson::notary_canonical(j["delegations"]));
  out += ",\"expires\":";
  cjson::append_notary_string(out, j["expires"].get_ref<const std::string&>());
  out += ",\"targets\":{";
  bool first = true;
  for (const auto& [name, m] : t.targets) {  // std::map order is byte order, as Go sorts
    if (!first) out += ',';
    first = false;
    cjson::append_notary_string(out, name);
    out += ':';
    if (m.custom) {
      out += SIGNY_TRY(cjson::notary_canonical(file_meta_json(m)));
      continue;
    }
    // {"hashes":{<alg>:<base64>...},"length":N}: algorithm names and base64 need no escaping
    // beyond the canonical string rule.
    out += "{\"hashes\":{";
    bool first_hash = true;
    m.hashes.for_each([&](std::string_view alg, Hashes::View h) {
      if (!first_hash) out += ',';
      first_hash = false;
      cjson::append_notary_string(out, alg);
      out += ":\"";
      base64_encode_append(out, h);
      out += '"';
    });
    char num[24];
    auto end = std::to_chars(num, num + sizeof num, m.length).ptr;
    out += "},\"length\":";
    out.append(num, end);
    out += '}';
  }
  out += "},\"version\":" + std::to_string(t.version) + "}";
  return out;
}

std::string envelope_bytes(std::string_view canonical, const std::vector<Signature>& signatures) {
  std::string out = "{\"signed\":";
  out.reserve(canonical.size() + 256 * (signatures.size() + 1));
  cjson::append_go_html_escaped(out, canonical);
  out += ",\"signatures\":[";
  bool first = true;
  for (const auto& s : signatures) {
    if (!first) out += ',';
    first = false;
    // Go struct order keyid, method, sig; hex, method names and base64 need no escaping.
    out += "{\"keyid\":\"" + s.keyid + "\",\"method\":\"" + s.method + "\",\"sig\":\"" + base64_encode(s.sig) + "\"}";
  }
  out += "]}";
  return out;
}

Result<std::string> sign_canonical(std::string_view canonical, const std::vector<SigningKey>& keys) {
  std::vector<Signature> sigs;
  for (const auto& k : keys) {
    auto s = SIGNY_TRY(crypto::notary_sign(*k.key, k.keyid, as_bytes(canonical)));
    sigs.push_back(Signature{s.keyid, s.method, std::move(s.sig)});
  }
  return envelope_bytes(canonical, sigs);
}

Result<std::string> sign_metadata(const Json& signed_json, const std::vector<SigningKey>& keys) {
  auto canonical = SIGNY_TRY(canonical_bytes(signed_json));
  return sign_canonical(canonical, keys);
}

Status verify_threshold(std::string_view role, std::string_view canonical, const std::vector<Signature>& signatures,
                        const std::map<std::string, crypto::NotaryKey>& keys, const RoleKeys& role_keys,
                        const crypto::Sha256* canonical_sha256) {
  // Candidates: the role's key IDs, each naming a key that hashes to it (notary ErrInvalidKeyID).
  crypto::ThresholdKeys candidates;
  for (const auto& id : role_keys.keyids) {
    auto it = keys.find(id);
    if (it == keys.end() || it->second.key_id() != id) continue;
    if (auto pub = it->second.public_key()) candidates.emplace(id, std::move(*pub));
  }
  std::vector<crypto::ThresholdSignature> offered;
  offered.reserve(signatures.size());
  for (const auto& s : signatures) offered.push_back({s.keyid, s.method, s.sig, as_bytes(canonical)});
  bool by_digest = canonical.empty() && canonical_sha256;
  auto check = [&](std::string_view keyid, const crypto::PublicKey&, const crypto::ThresholdSignature& s) {
    const auto& key = keys.find(std::string(keyid))->second;
    return by_digest ? crypto::notary_verify_sha256(key, s.method, *canonical_sha256, s.sig)
                     : crypto::notary_verify(key, s.method, s.message, s.sig);
  };
  SIGNY_TRY_VOID(crypto::count_threshold(role, candidates, offered, role_keys.threshold, check));
  return {};
}

}  // namespace signy::tuf
