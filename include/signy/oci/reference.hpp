// Docker/OCI references (distribution/reference grammar, ParseNormalizedNamed):
// "localhost:5000/org/name:tag" -> domain "localhost:5000", path "org/name", tag "tag".
// The Notary GUN of a reference is "<domain>/<path>" and its TUF target is the tag.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "signy/util/result.hpp"

namespace signy::oci {

struct Reference {
  std::string domain;  // "docker.io" after normalisation of Docker Hub names
  std::string path;    // "library/alpine"
  std::string tag;     // "latest" when none was given
  std::optional<std::string> digest;  // "sha256:<hex>" or "sha512:<hex>" (lowercase) when given

  std::string gun() const { return domain + "/" + path; }
  // The pinned digest's parts ("sha256", "<hex>"); empty when none was given.
  std::string_view digest_algorithm() const;
  std::string_view digest_hex() const;
  std::string str() const;  // normalised form
};

// Parses and normalises like docker: a first component without '.' or ':' (and not "localhost")
// means Docker Hub ("docker.io"), and one-component Hub names get "library/". Refuses anything
// outside the grammar, names over 255 characters, and tags over 128.
Result<Reference> parse_reference(std::string_view text);

// A name of one component that names a registry, not a repository on it: "localhost",
// "localhost:5000", "registry.example.com", "127.0.0.1:5000" (a '.' or a ':' port, or localhost).
// As a GUN or a reference it is a mistake: a collection needs a repository path.
bool is_bare_registry_host(std::string_view name);

// The distribution/reference grammar's pieces (policy scopes are checked with them too):
// path-component := [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*; domain := component ('.' component)*
// (':' port)? with a port up to 65535, or a bracketed IPv6 address with an optional port.
bool valid_path_component(std::string_view c);
bool valid_domain(std::string_view d);

}  // namespace signy::oci
