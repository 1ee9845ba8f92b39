// <trust dir>/config.json, in the notary client's format (notary cmd/notary/tuf.go
// getTrustPinning): {"trust_pinning":{"certs":{"<gun or prefix*>":["<root key id>",...]},
// "ca":{"<GUN prefix>":"<CA bundle PEM file>"},"disable_tofu":true}}. A relative CA path is taken
// from the trust dir. Unknown fields are refused, not ignored.
#include "signy/api/api.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/util/file.hpp"

namespace signy::api {

Result<tuf::TrustPinning> load_trust_pinning(const std::filesystem::path& trust_dir) {
  tuf::TrustPinning pinning;
  auto path = trust_dir / "config.json";
  auto text = read_file_limited(path, 1u << 20);
  if (!text) {
    if (text.error().code == Errc::not_found) return pinning;
    return tl::unexpected(text.error());
  }
  auto bad = [&](const std::string& why) { return fail(Errc::malformed_json, path.string() + ": " + why); };
  auto j = cjson::parse_strict(*text);
  if (!j) return tl::unexpected(j.error().context(path.string()));
  if (!j->is_object()) return bad("not a JSON object");
  auto tp = j->find("trust_pinning");
  if (tp == j->end()) return pinning;
  if (!tp->is_object()) return bad("\"trust_pinning\" is not an object");
  for (const auto& [k, v] : tp->items()) {
    if (k == "disable_tofu") {
      if (!v.is_boolean()) return bad("\"disable_tofu\" is not a boolean");
      pinning.disable_tofu = v.get<bool>();
    } else if (k == "certs") {
      if (!v.is_object()) return bad("\"certs\" is not an object");
      for (const auto& [gun, ids] : v.items()) {
        if (!ids.is_array() || ids.empty()) return bad("pinned key IDs of " + gun + " must be a non-empty list");
        for (const auto& id : ids) {
          if (!id.is_string()) return bad("pinned key IDs must be strings");
          pinning.certs[gun].push_back(id.get<std::string>());
        }
      }
    } else if (k == "ca") {
      if (!v.is_object()) return bad("\"ca\" is not an object");
      for (const auto& [prefix, file] : v.items()) {
        if (!file.is_string() || file.get_ref<const std::string&>().empty())
          return bad("the CA of " + prefix.substr(0, 100) + " must be a file path");
        std::filesystem::path p = file.get<std::string>();
        pinning.ca[prefix] = p.is_absolute() ? p : trust_dir / p;
      }
    } else {
      return bad("unknown trust_pinning field \"" + k.substr(0, 40) + "\"");
    }
  }
  return pinning;
}

}  // namespace signy::api
