// cnab-to-oci's registry layout (converter/convert.go, converter/types.go, remotes/push.go,
// remotes/pull.go), byte for byte: fixtures/oci/ holds its unit-test expectations.
#include "signy/cnab/thin.hpp"

#include "signy/crypto/digest.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::cnab {
namespace {

using cjson::Json;

std::string sha256_digest(std::string_view bytes) {
  auto h = crypto::sha256({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  return "sha256:" + hex_encode(h);
}

Manifest finish(std::string bytes, std::string_view media_type) {
  Manifest m;
  m.descriptor.media_type = std::string(media_type);
  m.descriptor.digest = sha256_digest(bytes);
  m.descriptor.size = bytes.size();
  m.bytes = std::move(bytes);
  return m;
}

// A string as Go's encoding/json writes it (Go 1.22 and later): the RFC 8785 escapes ('"', '\',
// \b \f \n \r \t, other controls as \u00xx) plus the HTML escapes of <, >, & and U+2028/U+2029.
// Strings here come from strict parses, so they are valid UTF-8 (Go would write U+FFFD).
void go_string(std::string& out, std::string_view s) {
  auto jcs = cjson::cnab_canonical(Json(std::string(s)));
  cjson::append_go_html_escaped(out, *jcs);  // a string always serializes
}
std::string go_string(std::string_view s) {
  std::string out;
  go_string(out, s);
  return out;
}

// A map[string]string as Go writes it: keys sorted bytewise (std::map's order).
void go_string_map(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    go_string(out, k);
    out += ':';
    go_string(out, v);
  }
  out += '}';
}

// image-spec v1.1.1 Descriptor field order: mediaType, digest, size, annotations (omitempty).
void go_descriptor(std::string& out, const oci::Descriptor& d) {
  out += "{\"mediaType\":";
  go_string(out, d.media_type);
  out += ",\"digest\":";
  go_string(out, d.digest);
  out += ",\"size\":" + std::to_string(d.size);
  if (!d.annotations.empty()) {
    out += ",\"annotations\":";
    go_string_map(out, d.annotations);
  }
  out += '}';
}

// cnab-to-oci makeAnnotations: json.Marshal of the maintainers (cnab-go Maintainer: name, then
// email and url when not empty) and keywords, when the bundle has them.
std::map<std::string, std::string> index_annotations(const Bundle& b) {
  std::map<std::string, std::string> a;
  a["io.cnab.runtime_version"] = b.schema_version;
  a["org.opencontainers.image.title"] = b.name;
  a["org.opencontainers.image.version"] = b.version;
  a["org.opencontainers.image.description"] = b.description.value_or("");
  a["org.opencontainers.artifactType"] = std::string(kCnabArtifactType);
  if (b.maintainers) {
    std::string s = "[";
    for (std::size_t i = 0; i < b.maintainers->size(); ++i) {
      const auto& m = (*b.maintainers)[i];
      if (i) s += ',';
      s += "{\"name\":" + go_string(m.name);
      if (m.email && !m.email->empty()) s += ",\"email\":" + go_string(*m.email);
      if (m.url && !m.url->empty()) s += ",\"url\":" + go_string(*m.url);
      s += '}';
    }
    a["org.opencontainers.image.authors"] = s + "]";
  }
  if (b.keywords) {
    std::string s = "[";
    for (std::size_t i = 0; i < b.keywords->size(); ++i) {
      if (i) s += ',';
      s += go_string((*b.keywords)[i]);
    }
    a["io.cnab.keywords"] = s + "]";
  }
  return a;
}

Status check_descriptor_in(const oci::Descriptor& d, std::string_view what) {
  if (!oci::is_manifest_media_type(d.media_type))
    return fail(Errc::unsupported_media_type, std::string(what) + ": not a manifest media type: " + escape_control(d.media_type));
  if (!is_oci_digest(d.digest)) return fail(Errc::internal, std::string(what) + ": malformed digest");
  if (d.size == 0) return fail(Errc::internal, std::string(what) + ": size 0");
  return {};
}

// --- reading

tl::unexpected<Error> malformed(std::string_view what, std::string_view why) {
  return fail(Errc::malformed_json, std::string(what) + ": " + std::string(why));
}

Result<oci::Descriptor> read_descriptor(const Json& j, const std::string& what) {
  if (!j.is_object()) return malformed(what, "not an object");
  oci::Descriptor d;
  auto mt = j.find("mediaType");
  if (mt == j.end() || !mt->is_string()) return malformed(what, "no mediaType string");
  d.media_type = mt->get<std::string>();
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) return malformed(what, "no digest string");
  if (!is_oci_digest(dg->get_ref<const std::string&>()))
    return malformed(what, "digest is not sha256:<64 hex> or sha512:<128 hex>: " + escape_control(dg->get_ref<const std::string&>().substr(0, 80)));
  d.digest = dg->get<std::string>();
  auto sz = j.find("size");
  if (sz == j.end() || !(sz->is_number_unsigned() || (sz->is_number_integer() && sz->get<std::int64_t>() >= 0)))
    return malformed(what, "no size (a non-negative integer)");
  d.size = sz->get<std::uint64_t>();
  if (auto an = j.find("annotations"); an != j.end() && !an->is_null()) {
    if (!an->is_object()) return malformed(what + ".annotations", "not an object");
    for (const auto& [k, v] : an->items()) {
      if (!v.is_string()) return malformed(what + ".annotations", "value of \"" + escape_control(k) + "\" is not a string");
      d.annotations.emplace(k, v.get<std::string>());
    }
  }
  return d;
}

// The common head of manifests and indexes: schemaVersion 2 and, when the body names its media
// type, the one the registry served it as.
Result<Json> read_document(std::string_view bytes, std::string_view media_type, std::string_view what) {
  cjson::ParseLimits limits;
  limits.max_bytes = oci::kMaxManifestBytes;
  auto doc = SIGNY_TRY(cjson::parse_strict(bytes, limits).map_error([&](Error e) { return e.context(what); }));
  if (!doc.is_object()) return malformed(what, "not a JSON object");
  auto sv = doc.find("schemaVersion");
  if (sv == doc.end() || !sv->is_number_integer() || sv->get<std::int64_t>() != 2)
    return malformed(what, "schemaVersion is not 2");
  if (auto mt = doc.find("mediaType"); mt != doc.end()) {
    if (!mt->is_string()) return malformed(what, "mediaType is not a string");
    if (mt->get_ref<const std::string&>() != media_type)
      return fail(Errc::unsupported_media_type, std::string(what) + ": body says mediaType " +
                                                    escape_control(mt->get_ref<const std::string&>()) +
                                                    ", served as " + escape_control(media_type));
  }
  return doc;
}

}  // namespace

std::string_view config_media_type(ConfigForm form) noexcept {
  switch (form) {
    case ConfigForm::oci_cnab_config: return kCnabConfig;
    case ConfigForm::oci_image_config: return oci::kOciConfig;
    case ConfigForm::docker_schema2: return oci::kDockerConfig;
  }
  return kCnabConfig;
}

Result<Manifest> make_config_manifest(std::string_view blob_digest, std::uint64_t blob_size, ConfigForm form) {
  if (blob_digest.substr(0, 7) != "sha256:" || !is_oci_digest(blob_digest))
    return fail(Errc::internal, "config manifest: the config digest is not sha256:<64 hex>");
  std::string mt(config_media_type(form));
  std::string digest(blob_digest);
  std::string size = std::to_string(blob_size);
  if (form == ConfigForm::docker_schema2) {
    // converter/types.go builds a schema2.Manifest, which distribution's schema2.FromStruct writes
    // with json.MarshalIndent(m, "", "   "); distribution's descriptor field order is mediaType,
    // size, digest; one layer, the config again (some registries refuse a manifest without layers).
    std::string s;
    s += "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"" + std::string(oci::kDockerManifest) + "\",\n";
    s += "   \"config\": {\n      \"mediaType\": \"" + mt + "\",\n      \"size\": " + size +
         ",\n      \"digest\": \"" + digest + "\"\n   },\n";
    s += "   \"layers\": [\n      {\n         \"mediaType\": \"" + mt + "\",\n         \"size\": " + size +
         ",\n         \"digest\": \"" + digest + "\"\n      }\n   ]\n}";
    return finish(std::move(s), oci::kDockerManifest);
  }
  // image-spec v1.1.1 Manifest through json.Marshal: schemaVersion, config, layers (not
  // omitempty: a nil slice is null); mediaType, artifactType, subject, annotations omitted.
  std::string s = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + mt + "\",\"digest\":\"" + digest +
                  "\",\"size\":" + size + "},\"layers\":null}";
  return finish(std::move(s), oci::kOciManifest);
}

Result<Manifest> make_index(const Bundle& bundle, const oci::Descriptor& config_manifest,
                            const ImageDescriptors& images, IndexForm form) {
  if (bundle.invocation_images.size() != 1)
    return fail(Errc::invalid_bundle, "invocationImages: cnab-to-oci's layout holds exactly one invocation image, the bundle has " +
                                          std::to_string(bundle.invocation_images.size()));
  if (config_manifest.media_type != oci::kOciManifest && config_manifest.media_type != oci::kDockerManifest)
    return fail(Errc::internal, "index: the config manifest descriptor is not a manifest");
  SIGNY_TRY_VOID(check_descriptor_in(config_manifest, "config manifest"));
  SIGNY_TRY_VOID(check_descriptor_in(images.invocation, "invocationImages[0]"));
  for (const auto& [name, c] : bundle.images)
    if (!images.components.count(name))
      return fail(Errc::internal, "index: no registry descriptor for component image \"" + escape_control(name) + "\"");
  for (const auto& [name, d] : images.components) {
    if (!bundle.images.count(name))
      return fail(Errc::invalid_bundle, "index: component image \"" + escape_control(name) + "\" is not in the bundle's images");
    SIGNY_TRY_VOID(check_descriptor_in(d, "images[\"" + escape_control(name) + "\"]"));
  }

  std::string s = "{\"schemaVersion\":2,\"manifests\":[";
  oci::Descriptor d = config_manifest;
  d.annotations = {{std::string(kManifestTypeAnnotation), "config"}};
  go_descriptor(s, d);
  d = images.invocation;
  d.annotations = {{std::string(kManifestTypeAnnotation), "invocation"}};
  s += ',';
  go_descriptor(s, d);
  for (const auto& [name, c] : images.components) {  // sorted by name, as cnab-to-oci's sort.Strings
    d = c;
    d.annotations = {{std::string(kComponentNameAnnotation), name}, {std::string(kManifestTypeAnnotation), "component"}};
    s += ',';
    go_descriptor(s, d);
  }
  s += "],\"annotations\":";
  go_string_map(s, index_annotations(bundle));
  if (form == IndexForm::docker_manifest_list) {
    // remotes/push.go pushDockerManifestList: the index wrapped with an outer mediaType field,
    // which Go writes after the embedded index's fields (fixtures/oci: UNVERIFIED key position).
    s += ",\"mediaType\":\"" + std::string(oci::kDockerManifestList) + "\"";
    s += '}';
    return finish(std::move(s), oci::kDockerManifestList);
  }
  s += '}';
  return finish(std::move(s), oci::kOciIndex);
}

Result<ThinIndex> parse_index(std::string_view bytes, std::string_view media_type) {
  if (!oci::is_index_media_type(media_type))
    return fail(Errc::unsupported_media_type, "bundle index: served as " + escape_control(media_type) +
                                                  ", not an OCI index or Docker manifest list");
  auto doc = SIGNY_TRY(read_document(bytes, media_type, "bundle index"));
  ThinIndex out;
  auto ms = doc.find("manifests");
  if (ms == doc.end() || !ms->is_array()) return malformed("bundle index", "no manifests array");
  if (auto an = doc.find("annotations"); an != doc.end() && !an->is_null()) {
    if (!an->is_object()) return malformed("bundle index.annotations", "not an object");
    for (const auto& [k, v] : an->items()) {
      if (!v.is_string()) return malformed("bundle index.annotations", "value of \"" + escape_control(k) + "\" is not a string");
      out.annotations.emplace(k, v.get<std::string>());
    }
  }
  bool have_config = false;
  for (std::size_t i = 0; i < ms->size(); ++i) {
    std::string what = "bundle index.manifests[" + std::to_string(i) + "]";
    auto d = SIGNY_TRY(read_descriptor((*ms)[i], what));
    // converter.GenerateRelocationMap: every descriptor a manifest or index, and typed.
    if (!oci::is_manifest_media_type(d.media_type))
      return fail(Errc::unsupported_media_type, what + ": not a manifest media type: " + escape_control(d.media_type));
    auto t = d.annotations.find(std::string(kManifestTypeAnnotation));
    if (t == d.annotations.end())
      return fail(Errc::invalid_bundle, what + ": no " + std::string(kManifestTypeAnnotation) + " annotation");
    if (t->second == "config") {
      if (!have_config) {  // GetBundleConfigManifestDescriptor: the first one
        if (oci::is_index_media_type(d.media_type))
          return fail(Errc::unsupported_media_type, what + ": the config manifest is an index: " + escape_control(d.media_type));
        out.config = d;
        have_config = true;
      }
    } else if (t->second == "invocation") {
      out.invocations.push_back(d);
    } else if (t->second == "component") {
      auto n = d.annotations.find(std::string(kComponentNameAnnotation));
      if (n == d.annotations.end())
        return fail(Errc::invalid_bundle, what + ": component without a " + std::string(kComponentNameAnnotation) + " annotation");
      if (!out.components.emplace(n->second, d).second)
        return fail(Errc::invalid_bundle, what + ": component \"" + escape_control(n->second) + "\" listed twice");
    } else {
      return fail(Errc::invalid_bundle, what + ": unknown " + std::string(kManifestTypeAnnotation) + " \"" +
                                            escape_control(t->second) + "\"");
    }
    out.manifests.push_back(std::move(d));
  }
  if (!have_config) return fail(Errc::invalid_bundle, "bundle index: no config manifest (io.cnab.manifest.type=config)");
  return out;
}

Result<RelocationMap> relocation_map_from_index(const ThinIndex& index, const Bundle& bundle,
                                                std::string_view repository) {
  if (index.invocations.size() != 1)
    return fail(Errc::invalid_bundle, "bundle index: " + std::to_string(index.invocations.size()) +
                                          " invocation image descriptors, cnab-to-oci's layout has exactly one");
  if (bundle.invocation_images.empty()) return fail(Errc::invalid_bundle, "invocationImages: empty");
  RelocationMap out;
  auto add = [&](const std::string& image, const oci::Descriptor& d, const std::string& what) -> Status {
    std::string ref = std::string(repository) + "@" + d.digest;
    auto [it, inserted] = out.emplace(image, ref);
    if (!inserted && it->second != ref)
      return fail(Errc::invalid_bundle, what + ": image \"" + escape_control(image) +
                                            "\" is listed in the index with two different digests");
    return {};
  };
  SIGNY_TRY_VOID(add(bundle.invocation_images[0].image, index.invocations[0], "invocationImages[0]"));
  for (const auto& [name, d] : index.components) {
    auto c = bundle.images.find(name);
    if (c == bundle.images.end())
      return fail(Errc::invalid_bundle, "bundle index: component \"" + escape_control(name) + "\" is not in the bundle's images");
    SIGNY_TRY_VOID(add(c->second.image.image, d, "images[\"" + escape_control(name) + "\"]"));
  }
  return out;
}

Result<oci::Descriptor> parse_config_manifest(std::string_view bytes, std::string_view media_type) {
  if (media_type != oci::kOciManifest && media_type != oci::kDockerManifest)
    return fail(Errc::unsupported_media_type, "bundle config manifest: served as " + escape_control(media_type) +
                                                  ", not an OCI or Docker schema2 manifest");
  auto doc = SIGNY_TRY(read_document(bytes, media_type, "bundle config manifest"));
  auto c = doc.find("config");
  if (c == doc.end()) return malformed("bundle config manifest", "no config");
  auto d = SIGNY_TRY(read_descriptor(*c, "bundle config manifest.config"));
  if (auto l = doc.find("layers"); l != doc.end() && !l->is_null() && !l->is_array())
    return malformed("bundle config manifest.layers", "not an array");
  // remotes/pull.go does not check the config type; the three cnab-to-oci writes and the spec's.
  if (d.media_type != kCnabConfig && d.media_type != kCnabSpecConfig && d.media_type != oci::kOciConfig &&
      d.media_type != oci::kDockerConfig)
    return fail(Errc::unsupported_media_type, "bundle config manifest: config media type " +
                                                  escape_control(d.media_type) + " is not a CNAB bundle config");
  if (d.size > kMaxBundleBytes)
    return fail(Errc::too_large, "bundle config manifest: config blob of " + std::to_string(d.size) +
                                     " bytes is over the limit of " + std::to_string(kMaxBundleBytes));
  return d;
}

}  // namespace signy::cnab
