// An OCI distribution client (distribution-spec v1.1 "Endpoints"; oci-formats.md 3, 4, 8) over
// net::AuthClient: one connection per registry, every manifest and blob hashed and compared with
// the digest it was asked for before the caller reads it, sizes capped, the registry's errors
// turned into one line naming the registry, repository and reference.
//
// Transport rules: https://HOST, except plain http:// for hosts named in insecure_registries and
// for loopback registries (localhost, 127.0.0.0/8, [::1], as docker does) unless a CA is named
// for them (ca_file, or certs.d's ca.crt: then https; docker instead tries https first); docker.io is
// served by registry-1.docker.io. TLS trusts ca_file when given, else <certs_dir>/<host[:port]>/
// ca.crt when it exists (docker's certs.d), else the system store. Redirects are followed for
// GET and HEAD only, to the same scheme, host and port, at most kMaxRedirects times; a redirect
// elsewhere is refused (credentials never leave the registry).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/net/auth.hpp"
#include "signy/net/http.hpp"
#include "signy/net/transport.hpp"
#include "signy/oci/descriptor.hpp"
#include "signy/util/result.hpp"

namespace signy::oci {

struct RegistryOptions {
  net::HttpOptions http;  // its ca_file is ignored: see ca_file below
  std::string ca_file;    // --registry-ca PATH
  std::filesystem::path certs_dir = "/etc/docker/certs.d";
  std::vector<std::string> insecure_registries;  // --insecure-registry HOST[:PORT]: plain http://
  std::optional<std::string> docker_config;      // credentials (default: $DOCKER_CONFIG, ~/.docker)
};

// "https://HOST" or "http://HOST" for a reference's domain (rules above). Errc::usage for a
// domain that is not host[:port].
Result<std::string> registry_base_url(std::string_view domain, const RegistryOptions& options);
// The CA file to trust for domain: options.ca_file, else certs.d's when it exists, else "".
std::string registry_ca_file(std::string_view domain, const RegistryOptions& options);

struct RegistryStats {
  std::uint64_t requests = 0;     // every HTTP request sent, token requests and redirects included
  std::uint64_t connections = 0;  // connections opened (CURLINFO_NUM_CONNECTS summed)
};

struct Manifest {
  Descriptor descriptor;  // the served media type, the digest of bytes, their size
  std::string bytes;
};

// Receives a blob's bytes as they arrive. They are provisional: the digest and size are checked
// only at the end, so a caller must not act on them before get_blob returns success.
using BlobSink = std::function<Status(std::string_view chunk)>;

class Registry {
 public:
  static constexpr int kMaxRedirects = 3;
  static constexpr std::uint64_t kDefaultChunkSize = 16u << 20;

  // One HttpClient (one connection) for the registry of `domain` ("ghcr.io", "127.0.0.1:5000").
  static Result<Registry> connect(std::string_view domain, const RegistryOptions& options);
  // Over any transport (the unit tests' fake); base_url "https://reg.test".
  Registry(std::unique_ptr<net::Transport> transport, std::string base_url, std::optional<std::string> docker_config = {});
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();

  const std::string& base_url() const;
  // Blobs larger than this go up in PATCH chunks of this size (and copy_image buffers one chunk).
  void set_chunk_size(std::uint64_t bytes);

  // GET /v2/: reachable, and authentication (a 401 is answered for the registry scope).
  Status ping();
  // HEAD the manifest with every manifest type in Accept; GET and hash it when the registry
  // leaves out Docker-Content-Digest or Content-Length.
  Result<Descriptor> resolve(std::string_view repo, std::string_view tag_or_digest);
  // The manifest's exact bytes, hashed and compared with a digest reference; at most max bytes.
  Result<Manifest> get_manifest(std::string_view repo, std::string_view tag_or_digest, std::uint64_t max = kMaxManifestBytes);
  // By a known descriptor: its digest, and its size exactly.
  Result<Manifest> get_manifest(std::string_view repo, const Descriptor& desc);
  // PUT; returns the digest of bytes (checked against Docker-Content-Digest and a digest reference).
  Result<std::string> put_manifest(std::string_view repo, std::string_view tag_or_digest, std::string_view media_type,
                                   std::string_view bytes);
  // The blob's size when the repository has it.
  Result<std::optional<std::uint64_t>> head_blob(std::string_view repo, std::string_view digest);
  // A small blob (a config) whole, its digest and size checked; desc.size must be <= max.
  Result<std::string> fetch_blob(std::string_view repo, const Descriptor& desc, std::uint64_t max);
  // Streams the blob to sink through sha256, never more than desc.size bytes. Errc::hash_mismatch
  // when the bytes are not desc.digest's, Errc::length_mismatch when their size is not desc.size.
  Status get_blob(std::string_view repo, const Descriptor& desc, const BlobSink& sink);
  // Uploads desc.size bytes read from source: skipped when the repository has the blob; one PUT up
  // to the chunk size, PATCH chunks above it. source must give exactly desc.digest's bytes.
  Status push_blob(std::string_view repo, const Descriptor& desc, net::BodySource source);
  // The same from bytes in memory (a bundle config); bytes must outlive the call.
  Status push_blob(std::string_view repo, const Descriptor& desc, std::string_view bytes);
  // Cross-repository mount: true when mounted (201); false when the registry would not (202: the
  // upload it opened instead is cancelled), and the caller uploads.
  Result<bool> mount_blob(std::string_view repo, std::string_view digest, std::string_view from_repo);
  // Copies an image or index (desc names it in source's src_repo) into dst_repo here: children
  // first (index entries, config, layers), what is already here skipped, blobs mounted when source
  // is this registry, else streamed from source into a chunked upload (one chunk in memory), then
  // the manifests PUT by digest. source may be *this only when the mounts succeed.
  Status copy_image(Registry& source, std::string_view src_repo, std::string_view dst_repo, const Descriptor& desc);

  RegistryStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signy::oci
