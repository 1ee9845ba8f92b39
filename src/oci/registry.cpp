// OCI distribution client: distribution-spec v1.1 endpoints (oci-formats.md 3.1), Accept
// negotiation (3.2), digests and sizes (3.3), error bodies (3.4), auth scopes (4.1, 4.2).
#include "signy/oci/registry.hpp"

#include <algorithm>
#include <cctype>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::oci {
namespace {

constexpr std::size_t kMaxErrorBody = 64u << 10;
// containerd resolver.go: every manifest type, then anything (oci-formats 2.7, 3.2).
constexpr std::string_view kAccept =
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, */*";
constexpr std::string_view kOctets = "application/octet-stream";

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string digest_of(std::string_view bytes) {
  return "sha256:" + hex_encode(crypto::sha256(as_bytes(bytes)));
}

// Content-Type without parameters ("; charset=utf-8"), trimmed.
std::string media_type_of(const net::ResponseHead& h) {
  const auto* ct = h.header("content-type");
  if (!ct) return {};
  std::string_view v = *ct;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

std::optional<std::uint64_t> content_length(const net::ResponseHead& h) {
  const auto* len = h.header("content-length");
  if (!len || len->empty() || len->size() > 19 || len->find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(*len);
}

// A value from the registry, safe for one error line.
std::string quote(std::string_view s, std::size_t max = 200) {
  std::string e = escape_control(s.substr(0, max));
  if (s.size() > max) e += "...";
  return "\"" + e + "\"";
}

// The first {"code","message"} of the registry's error body (distribution-spec "Error Codes").
struct RegistryError {
  std::string code, message;
};
RegistryError parse_error(std::string_view body) {
  RegistryError out;
  auto j = cjson::parse_strict(body.substr(0, kMaxErrorBody));
  if (!j || !j->is_object()) return out;
  auto it = j->find("errors");
  if (it == j->end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return out;
  const auto& e = (*it)[0];
  if (e.contains("code") && e["code"].is_string()) out.code = e["code"].get<std::string>().substr(0, 64);
  if (e.contains("message") && e["message"].is_string()) out.message = e["message"].get<std::string>().substr(0, 400);
  return out;
}

bool valid_repo(std::string_view r) {
  if (r.empty() || r.size() > 255 || r.front() == '/' || r.back() == '/') return false;
  for (char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/')) return false;
  return r.find("//") == std::string_view::npos && r.find("..") == std::string_view::npos;
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t.front() == '.' || t.front() == '-') return false;
  for (char c : t)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool is_digest_ref(std::string_view ref) { return ref.find(':') != std::string_view::npos; }

Status check_ref(std::string_view repo, std::string_view ref) {
  if (!valid_repo(repo)) return fail(Errc::usage, "invalid repository name " + quote(repo, 100));
  if (is_digest_ref(ref) ? !is_sha256_digest(ref) : !valid_tag(ref))
    return fail(Errc::usage, "invalid tag or digest " + quote(ref, 100) + " (a tag, or sha256:<64 lowercase hex>)");
  return {};
}

// scheme://host[:port], lower case, the default port dropped.
std::string origin_of(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  std::string scheme = lower(url.substr(0, p));
  auto rest = url.substr(p + 3);
  std::string auth = lower(rest.substr(0, rest.find_first_of("/?#\\")));
  if (auth.find('@') != std::string::npos) return {};  // userinfo: never followed
  if ((scheme == "https" && auth.size() > 4 && auth.ends_with(":443")) || (scheme == "http" && auth.size() > 3 && auth.ends_with(":80")))
    auth.resize(auth.rfind(':'));
  return scheme + "://" + auth;
}

std::string with_query(std::string url, std::string_view param) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += param;
  return url;
}

class CountingTransport final : public net::Transport {
 public:
  explicit CountingTransport(std::unique_ptr<net::Transport> inner) : inner_(std::move(inner)) {}
  Result<net::ResponseHead> send(const net::Request& r, const net::BodySink& sink, std::size_t max) override {
    ++requests;
    return inner_->send(r, sink, max);
  }
  std::uint64_t connections_opened() const override { return inner_->connections_opened(); }
  std::uint64_t requests = 0;

 private:
  std::unique_ptr<net::Transport> inner_;
};

// What a request is about, for its errors: "reg.test/org/app:tag", "blob sha256:.. in reg.test/org/app".
enum class Kind { manifest, blob, upload, registry };

}  // namespace

std::string registry_ca_file(std::string_view domain, const RegistryOptions& o) {
  if (!o.ca_file.empty()) return o.ca_file;
  std::error_code ec;
  auto p = o.certs_dir / std::string(domain) / "ca.crt";
  if (!o.certs_dir.empty() && std::filesystem::is_regular_file(p, ec)) return p.string();
  return {};
}

Result<std::string> registry_base_url(std::string_view domain, const RegistryOptions& o) {
  bool ok = !domain.empty() && domain.size() <= 255;
  for (char c : domain)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']');
  if (!ok) return fail(Errc::usage, "invalid registry host " + quote(domain, 100));
  std::string host = domain == "docker.io" ? "registry-1.docker.io" : std::string(domain);
  std::string http = "http://" + host;
  for (const auto& insecure : o.insecure_registries)
    if (lower(insecure) == lower(domain)) return http;
  // A loopback registry with a CA named for it (--registry-ca, certs.d) speaks TLS.
  if (net::is_loopback_http(http + "/") && registry_ca_file(domain, o).empty()) return http;
  return "https://" + host;
}

struct Registry::Impl {
  Impl(std::unique_ptr<net::Transport> t, std::string base_url, std::optional<std::string> config)
      : base(std::move(base_url)),
        host(net::url_host(base)),
        counter(new CountingTransport(std::move(t))),
        auth(std::unique_ptr<net::Transport>(counter), base, std::move(config)) {
    auth.set_env_credentials(false);  // SIGNY_AUTH is the Notary server's: registries use the docker config
    auth.set_describe([](const net::HttpResponse& r) {
      auto e = parse_error(r.body);
      return "HTTP " + std::to_string(r.status) + (e.code.empty() ? "" : ": " + quote(e.code, 64)) +
             (e.message.empty() ? "" : " " + quote(e.message));
    });
  }
  std::string base, host;
  CountingTransport* counter;  // owned by auth
  net::AuthClient auth;
  std::uint64_t chunk = kDefaultChunkSize;

  struct Reply {
    net::ResponseHead head;
    std::string error_body;  // a non-2xx response's body, at most kMaxErrorBody
    std::string url;         // the URL that answered (after redirects)
  };

  std::string name(std::string_view repo, std::string_view ref) const {
    return host + "/" + std::string(repo) + (ref.empty() ? "" : (is_digest_ref(ref) ? "@" : ":") + std::string(ref));
  }

  Result<std::string> resolve_location(std::string_view current, std::string_view loc) const {
    if (loc.empty()) return fail(Errc::network, "the registry sent no Location");
    for (char c : loc)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\')
        return fail(Errc::network, "the registry sent an invalid Location " + quote(loc, 100));
    std::string target;
    if (lower(loc.substr(0, 7)) == "http://" || lower(loc.substr(0, 8)) == "https://") target = std::string(loc);
    else if (loc.substr(0, 2) == "//") target = base.substr(0, base.find("://") + 1) + std::string(loc);
    else if (loc.front() == '/') target = base + std::string(loc);
    else {
      auto path_end = current.find_first_of("?#");
      auto dir = current.substr(0, path_end).rfind('/');
      target = std::string(current.substr(0, dir + 1)) + std::string(loc);
    }
    if (origin_of(target) != origin_of(base))
      return fail(Errc::network, "the registry " + host + " points to another host " + quote(origin_of(target).empty() ? loc : origin_of(target), 100) +
                                     ": refused (signy follows a registry only on its own scheme, host and port)");
    return target;
  }

  // Sends with auth; a 2xx body goes to ok_sink (announced or streamed, never beyond max_ok:
  // too_large), any other body is kept for the error; GET and HEAD follow same-origin redirects.
  Result<Reply> send(net::Request req, std::string_view scope, const net::BodySink& ok_sink, std::uint64_t max_ok) {
    Reply reply;
    for (int hop = 0;; ++hop) {
      reply.error_body.clear();
      reply.url = req.url;
      std::uint64_t received = 0;
      bool checked = false;
      auto sink = [&](const net::ResponseHead& h, std::string_view chunk) -> Status {
        if (h.status < 200 || h.status > 299) {
          reply.error_body.append(chunk.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, reply.error_body.size())));
          return {};
        }
        if (!checked) {
          checked = true;
          if (auto n = content_length(h); n && *n > max_ok)
            return fail(Errc::too_large, req.url + ": the registry announces " + std::to_string(*n) + " bytes, over the " +
                                             std::to_string(max_ok) + "-byte limit");
        }
        received += chunk.size();
        if (received > max_ok)
          return fail(Errc::too_large, req.url + ": response exceeds the " + std::to_string(max_ok) + "-byte limit (endless data?)");
        return ok_sink ? ok_sink(h, chunk) : Status{};
      };
      // No sink: a 2xx body (an upload's "{}") is read and dropped, up to kMaxErrorBody.
      if (!ok_sink) max_ok = kMaxErrorBody;
      auto cap = static_cast<std::size_t>(std::max<std::uint64_t>(max_ok, kMaxErrorBody));
      auto head = auth.send(req, scope, sink, cap);
      if (!head) return tl::unexpected(head.error());
      reply.head = std::move(*head);
      long s = reply.head.status;
      if (s >= 200 && s <= 299 && req.method != net::Method::head) {
        if (auto n = content_length(reply.head); n && *n != received)
          return fail(Errc::network, req.url + ": truncated transfer: " + std::to_string(received) + " of " + std::to_string(*n) + " bytes");
      }
      if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) return reply;
      if (req.method != net::Method::get && req.method != net::Method::head)
        return fail(Errc::network, req.url + ": the registry redirects a " + std::string(net::method_name(req.method)) + " (HTTP " +
                                       std::to_string(s) + "): not followed");
      if (hop >= kMaxRedirects) return fail(Errc::network, req.url + ": more than " + std::to_string(kMaxRedirects) + " redirects");
      const auto* loc = reply.head.header("location");
      auto next = resolve_location(req.url, loc ? std::string_view(*loc) : std::string_view());
      if (!next) return tl::unexpected(next.error().context(req.url + ": HTTP " + std::to_string(s)));
      log::debug(req.url + ": redirected to " + *next);
      req.url = std::move(*next);
    }
  }

  // One line for a refusal: what, then the registry's words.
  Error status_error(const Reply& r, const std::string& what, Kind kind) const {
    auto e = parse_error(r.error_body);
    std::string said = e.code.empty() ? "" : " (" + escape_control(e.code) + (e.message.empty() ? "" : ": " + quote(e.message)) + ")";
    long s = r.head.status;
    std::string http = "HTTP " + std::to_string(s);
    if (s == 401) return Error{Errc::unauthorized, what + ": unauthorized (" + http + ")" + said};
    if (s == 403) return Error{Errc::unauthorized, what + ": denied (" + http + ")" + said};
    if (s == 404) {
      std::string words = e.code == "MANIFEST_UNKNOWN" ? "manifest unknown"
                          : e.code == "BLOB_UNKNOWN"   ? "blob unknown"
                          : e.code == "NAME_UNKNOWN"   ? "repository unknown"
                          : kind == Kind::manifest     ? "no such manifest"
                          : kind == Kind::blob         ? "no such blob"
                          : kind == Kind::upload       ? "no such upload"
                                                       : "not found";
      return Error{Errc::not_found_remote, what + ": " + words + " (" + http + ")" + said};
    }
    if (s >= 500) return Error{Errc::network, what + ": registry error (" + http + ")" + said};
    if (said.empty() && !r.error_body.empty() && e.code.empty()) said = " " + quote(r.error_body, 120);
    // A TLS registry answers plain http with 400 ("Client sent an HTTP request to an HTTPS server").
    if (s == 400 && e.code.empty() && base.rfind("http://", 0) == 0)
      said += "; if this registry speaks https, name its CA (--registry-ca FILE, or /etc/docker/certs.d/HOST:PORT/ca.crt)";
    return Error{Errc::network, what + ": refused (" + http + ")" + said};
  }

  static std::string pull(std::string_view repo) { return "repository:" + std::string(repo) + ":pull"; }
  static std::string push(std::string_view repo) { return "repository:" + std::string(repo) + ":pull,push"; }
  std::string url(std::string_view repo, std::string_view tail) const { return base + "/v2/" + std::string(repo) + std::string(tail); }

  Result<Manifest> get_manifest(std::string_view repo, std::string_view ref, std::uint64_t max, const Descriptor* known) {
    SIGNY_TRY_VOID(check_ref(repo, ref));
    std::string what = name(repo, ref);
    net::Request req;
    req.url = url(repo, "/manifests/" + std::string(ref));
    req.headers.push_back({"Accept", std::string(kAccept)});
    Manifest m;
    auto r = send(std::move(req), pull(repo), net::collect_into(m.bytes, static_cast<std::size_t>(max), what), max);
    if (!r) {
      if (known && r.error().code == Errc::too_large)
        return fail(Errc::length_mismatch, what + ": the registry serves more than the " + std::to_string(known->size) +
                                               " bytes its descriptor says");
      return tl::unexpected(r.error().context(what));
    }
    if (r->head.status != 200) return tl::unexpected(status_error(*r, what, Kind::manifest));
    m.descriptor.media_type = media_type_of(r->head);
    m.descriptor.digest = digest_of(m.bytes);
    m.descriptor.size = m.bytes.size();
    if (is_digest_ref(ref) && m.descriptor.digest != ref)
      return fail(Errc::hash_mismatch, what + ": the registry served bytes that hash to " + m.descriptor.digest);
    if (const auto* dcd = r->head.header("docker-content-digest"); dcd && dcd->starts_with("sha256:") && *dcd != m.descriptor.digest)
      return fail(Errc::hash_mismatch, what + ": Docker-Content-Digest " + quote(*dcd, 80) + " is not the digest of the bytes served, " +
                                           m.descriptor.digest);
    if (known && m.descriptor.size != known->size)
      return fail(Errc::length_mismatch, what + ": " + std::to_string(m.descriptor.size) + " bytes served, the descriptor says " +
                                             std::to_string(known->size));
    if (!is_manifest_media_type(m.descriptor.media_type))
      return fail(Errc::unsupported_media_type, what + ": served as " + quote(m.descriptor.media_type, 100) +
                                                    ", not an OCI or Docker manifest or index");
    return m;
  }

  // The upload URL a POST to /blobs/uploads/ opened (202 + Location).
  Result<std::string> start_upload(std::string_view repo, const std::string& what) {
    net::Request req;
    req.method = net::Method::post;
    req.url = url(repo, "/blobs/uploads/");
    auto r = SIGNY_TRY(send(std::move(req), push(repo), {}, 0));
    if (r.head.status != 202) return tl::unexpected(status_error(r, what + ": starting the upload", Kind::upload));
    const auto* loc = r.head.header("location");
    auto next = resolve_location(r.url, loc ? std::string_view(*loc) : std::string_view());
    if (!next) return tl::unexpected(next.error().context(what));
    return next;
  }

  void cancel_upload(std::string_view repo, const std::string& location) {
    net::Request req;
    req.method = net::Method::del;
    req.url = location;
    (void)send(std::move(req), push(repo), {}, 0);  // best effort: the registry expires it anyway
  }

  // PATCH one chunk (Content-Range start-end, inclusive, no "bytes "): returns the next Location.
  Result<std::string> patch(std::string_view repo, const std::string& location, std::uint64_t start, net::BodySource body,
                            const std::string& what) {
    net::Request req;
    req.method = net::Method::patch;
    req.url = location;
    req.headers.push_back({"Content-Type", std::string(kOctets)});
    req.headers.push_back({"Content-Range", std::to_string(start) + "-" + std::to_string(start + body.size - 1)});
    req.source = std::move(body);
    auto r = SIGNY_TRY(send(std::move(req), push(repo), {}, 0));
    if (r.head.status != 202) return tl::unexpected(status_error(r, what + ": uploading bytes from " + std::to_string(start), Kind::upload));
    const auto* loc = r.head.header("location");
    if (!loc) return location;
    auto next = resolve_location(r.url, *loc);
    if (!next) return tl::unexpected(next.error().context(what));
    return next;
  }

  // PUT <location>&digest=: the last bytes (or none) and the commit.
  Status close_upload(std::string_view repo, const std::string& location, std::string_view digest,
                      std::optional<net::BodySource> body, const std::string& what) {
    net::Request req;
    req.method = net::Method::put;
    req.url = with_query(location, "digest=" + std::string(digest));
    req.headers.push_back({"Content-Type", std::string(kOctets)});
    req.source = std::move(body);
    auto r = SIGNY_TRY(send(std::move(req), push(repo), {}, 0));
    if (r.head.status != 201) return tl::unexpected(status_error(r, what + ": completing the upload", Kind::upload));
    if (const auto* dcd = r.head.header("docker-content-digest"); dcd && *dcd != digest)
      return fail(Errc::hash_mismatch, what + ": the registry stored it as " + quote(*dcd, 80));
    return {};
  }
};

Registry::Registry(std::unique_ptr<net::Transport> transport, std::string base_url, std::optional<std::string> docker_config)
    : impl_(std::make_unique<Impl>(std::move(transport), std::move(base_url), std::move(docker_config))) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

Result<Registry> Registry::connect(std::string_view domain, const RegistryOptions& options) {
  auto base = SIGNY_TRY(registry_base_url(domain, options));
  net::HttpOptions http = options.http;
  http.ca_file = registry_ca_file(domain, options);
  if (!http.ca_file.empty())
    if (auto st = check_regular_file(http.ca_file); !st)
      return tl::unexpected(st.error().context(options.ca_file.empty() ? "registry CA (certs.d)" : "--registry-ca"));
  auto client = SIGNY_TRY(net::HttpClient::create(std::move(http)));
  return Registry(std::make_unique<net::HttpClient>(std::move(client)), std::move(base), options.docker_config);
}

const std::string& Registry::base_url() const { return impl_->base; }
void Registry::set_chunk_size(std::uint64_t bytes) { impl_->chunk = std::max<std::uint64_t>(bytes, 1); }

RegistryStats Registry::stats() const { return {impl_->counter->requests, impl_->counter->connections_opened()}; }

Status Registry::ping() {
  net::Request req;
  req.url = impl_->base + "/v2/";
  auto r = SIGNY_TRY(impl_->send(std::move(req), "", {}, kMaxErrorBody));
  if (r.head.status != 200) return tl::unexpected(impl_->status_error(r, "registry " + impl_->host, Kind::registry));
  return {};
}

Result<Descriptor> Registry::resolve(std::string_view repo, std::string_view ref) {
  SIGNY_TRY_VOID(check_ref(repo, ref));
  std::string what = impl_->name(repo, ref);
  net::Request req;
  req.method = net::Method::head;
  req.url = impl_->url(repo, "/manifests/" + std::string(ref));
  req.headers.push_back({"Accept", std::string(kAccept)});
  auto r = SIGNY_TRY(impl_->send(std::move(req), Impl::pull(repo), {}, 0).map_error([&](Error e) { return e.context(what); }));
  if (r.head.status != 200) return tl::unexpected(impl_->status_error(r, what, Kind::manifest));
  Descriptor d;
  d.media_type = media_type_of(r.head);
  const auto* dcd = r.head.header("docker-content-digest");
  auto len = content_length(r.head);
  if (!d.media_type.empty() && !is_manifest_media_type(d.media_type))
    return fail(Errc::unsupported_media_type, what + ": served as " + quote(d.media_type, 100) + ", not an OCI or Docker manifest or index");
  if (len && *len > kMaxManifestBytes)
    return fail(Errc::too_large, what + ": the manifest is " + std::to_string(*len) + " bytes, over the " +
                                     std::to_string(kMaxManifestBytes) + "-byte limit");
  if (!dcd || !is_sha256_digest(*dcd) || !len || d.media_type.empty()) {
    // Headers missing: the bytes say it all.
    auto m = SIGNY_TRY(impl_->get_manifest(repo, ref, kMaxManifestBytes, nullptr));
    return m.descriptor;
  }
  if (is_digest_ref(ref) && *dcd != ref)
    return fail(Errc::hash_mismatch, what + ": the registry names it " + quote(*dcd, 80));
  d.digest = *dcd;
  d.size = *len;
  return d;
}

Result<Manifest> Registry::get_manifest(std::string_view repo, std::string_view ref, std::uint64_t max) {
  return impl_->get_manifest(repo, ref, max, nullptr);
}

Result<Manifest> Registry::get_manifest(std::string_view repo, const Descriptor& desc) {
  if (!is_sha256_digest(desc.digest)) return fail(Errc::unsupported_value, "descriptor digest " + quote(desc.digest, 80) + " is not sha256:<64 hex>");
  if (desc.size > kMaxManifestBytes)
    return fail(Errc::too_large, impl_->name(repo, desc.digest) + ": the descriptor says " + std::to_string(desc.size) +
                                     " bytes, over the " + std::to_string(kMaxManifestBytes) + "-byte manifest limit");
  return impl_->get_manifest(repo, desc.digest, desc.size, &desc);
}

Result<std::string> Registry::put_manifest(std::string_view repo, std::string_view ref, std::string_view media_type,
                                           std::string_view bytes) {
  SIGNY_TRY_VOID(check_ref(repo, ref));
  std::string what = impl_->name(repo, ref);
  if (!is_manifest_media_type(media_type))
    return fail(Errc::unsupported_media_type, what + ": " + quote(media_type, 100) + " is not an OCI or Docker manifest or index type");
  if (bytes.size() > kMaxManifestBytes)
    return fail(Errc::too_large, what + ": the manifest is " + std::to_string(bytes.size()) + " bytes, over the " +
                                     std::to_string(kMaxManifestBytes) + "-byte limit");
  std::string digest = digest_of(bytes);
  if (is_digest_ref(ref) && digest != ref)
    return fail(Errc::hash_mismatch, what + ": the manifest bytes hash to " + digest + ", not to the digest they are pushed under");
  net::Request req;
  req.method = net::Method::put;
  req.url = impl_->url(repo, "/manifests/" + std::string(ref));
  req.headers.push_back({"Content-Type", std::string(media_type)});
  req.body = bytes;
  auto r = SIGNY_TRY(impl_->send(std::move(req), Impl::push(repo), {}, 0).map_error([&](Error e) { return e.context(what); }));
  if (r.head.status != 201 && r.head.status != 200)
    return tl::unexpected(impl_->status_error(r, what + ": pushing the manifest", Kind::manifest));
  if (const auto* dcd = r.head.header("docker-content-digest"); dcd && *dcd != digest)
    return fail(Errc::hash_mismatch, what + ": the registry stored the manifest as " + quote(*dcd, 80) + ", not " + digest);
  return digest;
}

Result<std::optional<std::uint64_t>> Registry::head_blob(std::string_view repo, std::string_view digest) {
  if (!valid_repo(repo)) return fail(Errc::usage, "invalid repository name " + quote(repo, 100));
  if (!is_sha256_digest(digest)) return fail(Errc::unsupported_value, "blob digest " + quote(digest, 80) + " is not sha256:<64 hex>");
  std::string what = "blob " + std::string(digest) + " in " + impl_->name(repo, "");
  net::Request req;
  req.method = net::Method::head;
  req.url = impl_->url(repo, "/blobs/" + std::string(digest));
  auto r = SIGNY_TRY(impl_->send(std::move(req), Impl::pull(repo), {}, 0).map_error([&](Error e) { return e.context(what); }));
  if (r.head.status == 404) return std::optional<std::uint64_t>();
  if (r.head.status != 200) return tl::unexpected(impl_->status_error(r, what, Kind::blob));
  if (const auto* dcd = r.head.header("docker-content-digest"); dcd && *dcd != digest)
    return fail(Errc::hash_mismatch, what + ": the registry names it " + quote(*dcd, 80));
  auto len = content_length(r.head);
  if (!len) return fail(Errc::network, what + ": the registry gives no Content-Length");
  return std::optional<std::uint64_t>(*len);
}

Status Registry::get_blob(std::string_view repo, const Descriptor& desc, const BlobSink& out) {
  if (!valid_repo(repo)) return fail(Errc::usage, "invalid repository name " + quote(repo, 100));
  if (!is_sha256_digest(desc.digest)) return fail(Errc::unsupported_value, "blob digest " + quote(desc.digest, 80) + " is not sha256:<64 hex>");
  std::string what = "blob " + desc.digest + " in " + impl_->name(repo, "");
  net::Request req;
  req.url = impl_->url(repo, "/blobs/" + desc.digest);
  crypto::Sha256Hasher hasher;
  std::uint64_t received = 0;
  bool first = true;
  auto sink = [&](const net::ResponseHead& h, std::string_view chunk) -> Status {
    if (first) {
      first = false;
      if (auto n = content_length(h); n && *n != desc.size)
        return fail(Errc::length_mismatch, what + ": the registry announces " + std::to_string(*n) + " bytes, the descriptor says " +
                                               std::to_string(desc.size));
    }
    if (received + chunk.size() > desc.size)
      return fail(Errc::length_mismatch, what + ": the registry sends more than the " + std::to_string(desc.size) + " bytes the descriptor says");
    received += chunk.size();
    hasher.update(as_bytes(chunk));
    return out(chunk);
  };
  // The cap is the descriptor's size: a byte more, announced or sent, is a size lie.
  auto r = impl_->send(std::move(req), Impl::pull(repo), sink, desc.size);
  if (!r) {
    if (r.error().code == Errc::too_large && r.error().message.find("-byte limit") != std::string::npos)
      return fail(Errc::length_mismatch, what + ": the registry sends more than the " + std::to_string(desc.size) + " bytes the descriptor says");
    return tl::unexpected(r.error().message.starts_with(what) ? r.error() : r.error().context(what));
  }
  if (r->head.status != 200) return tl::unexpected(impl_->status_error(*r, what, Kind::blob));
  if (received != desc.size)
    return fail(Errc::length_mismatch, what + ": " + std::to_string(received) + " bytes received, the descriptor says " + std::to_string(desc.size));
  std::string got = "sha256:" + hex_encode(hasher.finish());
  if (got != desc.digest) return fail(Errc::hash_mismatch, what + ": the bytes served hash to " + got);
  return {};
}

Result<std::string> Registry::fetch_blob(std::string_view repo, const Descriptor& desc, std::uint64_t max) {
  if (desc.size > max)
    return fail(Errc::too_large, "blob " + desc.digest.substr(0, 80) + " in " + impl_->name(repo, "") + ": the descriptor says " +
                                     std::to_string(desc.size) + " bytes, over the " + std::to_string(max) + "-byte limit");
  std::string out;
  out.reserve(static_cast<std::size_t>(desc.size));
  SIGNY_TRY_VOID(get_blob(repo, desc, [&](std::string_view chunk) -> Status {
    out.append(chunk);
    return {};
  }));
  return out;
}

Result<bool> Registry::mount_blob(std::string_view repo, std::string_view digest, std::string_view from) {
  if (!valid_repo(repo) || !valid_repo(from)) return fail(Errc::usage, "invalid repository name " + quote(valid_repo(repo) ? from : repo, 100));
  if (!is_sha256_digest(digest)) return fail(Errc::unsupported_value, "blob digest " + quote(digest, 80) + " is not sha256:<64 hex>");
  std::string what = "blob " + std::string(digest) + " mounted from " + std::string(from) + " into " + impl_->name(repo, "");
  net::Request req;
  req.method = net::Method::post;
  req.url = impl_->url(repo, "/blobs/uploads/?mount=" + std::string(digest) + "&from=" + std::string(from));
  // distribution asks for both: "repository:<repo>:pull,push repository:<from>:pull" (oci-formats 4.1).
  std::string scope = Impl::push(repo) + " " + Impl::pull(from);
  auto r = SIGNY_TRY(impl_->send(std::move(req), scope, {}, 0).map_error([&](Error e) { return e.context(what); }));
  if (r.head.status == 201) return true;
  if (r.head.status == 202) {
    // Not mounted: the registry opened an upload instead; cancel it, the caller uploads.
    if (const auto* loc = r.head.header("location"))
      if (auto where = impl_->resolve_location(r.url, *loc)) impl_->cancel_upload(repo, *where);
    return false;
  }
  return tl::unexpected(impl_->status_error(r, what, Kind::upload));
}

Status Registry::push_blob(std::string_view repo, const Descriptor& desc, net::BodySource source) {
  auto have = SIGNY_TRY(head_blob(repo, desc.digest));
  std::string what = "blob " + desc.digest + " to " + impl_->name(repo, "");
  if (have) {
    if (*have != desc.size)
      return fail(Errc::length_mismatch, what + ": the registry holds it with " + std::to_string(*have) + " bytes, the descriptor says " +
                                             std::to_string(desc.size));
    return {};
  }
  if (source.size != desc.size)
    return fail(Errc::length_mismatch, what + ": the source has " + std::to_string(source.size) + " bytes, the descriptor says " +
                                           std::to_string(desc.size));
  // Every byte read goes through sha256, never more than desc.size of them.
  std::optional<crypto::Sha256Hasher> hasher;
  hasher.emplace();
  std::uint64_t sent = 0;
  auto read_upto = [&](std::uint64_t limit) {
    return [&, limit](char* buf, std::size_t len) -> Result<std::size_t> {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(len, limit - std::min(limit, sent)));
      if (want == 0) return std::size_t{0};
      auto n = SIGNY_TRY(source.read(buf, want));
      if (n == 0) return fail(Errc::length_mismatch, what + ": the source ended after " + std::to_string(sent) + " bytes");
      hasher->update({reinterpret_cast<const std::uint8_t*>(buf), n});
      sent += n;
      return n;
    };
  };
  auto location = SIGNY_TRY(impl_->start_upload(repo, what));
  auto finish = [&](Status st) -> Status {
    if (!st) impl_->cancel_upload(repo, location);
    return st;
  };
  if (desc.size <= impl_->chunk) {
    // Monolithic: one PUT with the bytes and the digest (oci-formats 3.1).
    net::BodySource body;
    body.size = desc.size;
    body.read = read_upto(desc.size);
    if (source.rewind)
      body.rewind = [&]() -> Status {
        SIGNY_TRY_VOID(source.rewind());
        hasher.emplace();
        sent = 0;
        return {};
      };
    auto st = impl_->close_upload(repo, location, desc.digest, std::move(body), what);
    if (st && sent != desc.size) st = fail(Errc::length_mismatch, what + ": the source gave " + std::to_string(sent) + " bytes");
    return finish(st);
  }
  // Chunked: PATCH chunk after chunk, then the commit once the bytes are known to be desc's.
  while (sent < desc.size) {
    net::BodySource body;
    std::uint64_t start = sent;
    body.size = std::min(impl_->chunk, desc.size - sent);
    body.read = read_upto(start + body.size);
    auto next = impl_->patch(repo, location, start, std::move(body), what);
    if (!next) return finish(tl::unexpected(next.error()));
    if (sent != start + std::min(impl_->chunk, desc.size - start))
      return finish(fail(Errc::length_mismatch, what + ": the source gave " + std::to_string(sent) + " bytes"));
    location = std::move(*next);
  }
  std::string got = "sha256:" + hex_encode(hasher->finish());
  if (got != desc.digest) return finish(fail(Errc::hash_mismatch, what + ": the bytes to upload hash to " + got));
  return finish(impl_->close_upload(repo, location, desc.digest, std::nullopt, what));
}

Status Registry::push_blob(std::string_view repo, const Descriptor& desc, std::string_view bytes) {
  return push_blob(repo, desc, net::bytes_source(bytes));
}

namespace {
Result<Descriptor> descriptor_from(const cjson::Json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
      !j["size"].is_number_unsigned() || (j.contains("mediaType") && !j["mediaType"].is_string()))
    return fail(Errc::malformed_json, where + ": a descriptor without a string digest and an unsigned size");
  Descriptor d;
  d.digest = j["digest"].get<std::string>();
  d.size = j["size"].get<std::uint64_t>();
  if (j.contains("mediaType")) d.media_type = j["mediaType"].get<std::string>();
  if (!is_sha256_digest(d.digest)) return fail(Errc::unsupported_value, where + ": descriptor digest " + quote(d.digest, 80) + " is not sha256:<64 hex>");
  return d;
}
}  // namespace

Status Registry::copy_image(Registry& source, std::string_view src_repo, std::string_view dst_repo, const Descriptor& desc) {
  // The walk: an index's children, a manifest's config and layers, depth first, at most 4 levels.
  std::function<Status(const Descriptor&, int)> copy_manifest;
  auto copy_blob = [&](const Descriptor& b) -> Status {
    std::string what = "blob " + b.digest + " to " + impl_->name(dst_repo, "");
    auto have = SIGNY_TRY(head_blob(dst_repo, b.digest));
    if (have) {
      if (*have != b.size)
        return fail(Errc::length_mismatch, what + ": the registry holds it with " + std::to_string(*have) + " bytes, the manifest says " +
                                               std::to_string(b.size));
      return {};
    }
    if (origin_of(source.base_url()) == origin_of(base_url())) {
      if (SIGNY_TRY(mount_blob(dst_repo, b.digest, src_repo))) return {};
      if (&source == this)
        return fail(Errc::network, what + ": the registry would not mount it from " + std::string(src_repo) +
                                       " (copying within one registry connection needs the mount)");
    }
    // Streamed: the source's bytes go up in chunks of the chunk size as they arrive; the commit
    // (PUT ?digest=) only once get_blob has checked them.
    auto location = SIGNY_TRY(impl_->start_upload(dst_repo, what));
    std::string buffer;
    buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(impl_->chunk, b.size)));
    std::uint64_t offset = 0;
    auto flush = [&]() -> Status {
      if (buffer.empty()) return {};
      location = SIGNY_TRY(impl_->patch(dst_repo, location, offset, net::bytes_source(buffer), what));
      offset += buffer.size();
      buffer.clear();
      return {};
    };
    auto st = source.get_blob(src_repo, b, [&](std::string_view chunk) -> Status {
      while (!chunk.empty()) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), impl_->chunk - buffer.size()));
        buffer.append(chunk.substr(0, n));
        chunk.remove_prefix(n);
        if (buffer.size() == impl_->chunk) SIGNY_TRY_VOID(flush());
      }
      return {};
    });
    if (st) st = flush();
    if (st) st = impl_->close_upload(dst_repo, location, b.digest, std::nullopt, what);
    if (!st) impl_->cancel_upload(dst_repo, location);
    return st;
  };
  copy_manifest = [&](const Descriptor& d, int depth) -> Status {
    std::string what = impl_->name(dst_repo, d.digest);
    if (depth > 4) return fail(Errc::unsupported_value, what + ": indexes nested more than 4 levels deep");
    if (!is_manifest_media_type(d.media_type))
      return fail(Errc::unsupported_media_type, what + ": " + quote(d.media_type, 100) + " is not an OCI or Docker manifest or index type");
    // Already here (a registry accepts a manifest only once its children are): nothing to do.
    net::Request req;
    req.method = net::Method::head;
    req.url = impl_->url(dst_repo, "/manifests/" + d.digest);
    req.headers.push_back({"Accept", std::string(kAccept)});
    auto here = SIGNY_TRY(impl_->send(std::move(req), Impl::push(dst_repo), {}, 0));
    if (here.head.status == 200) return {};
    if (here.head.status != 404) return tl::unexpected(impl_->status_error(here, what, Kind::manifest));
    auto m = SIGNY_TRY(source.get_manifest(src_repo, d));
    auto j = cjson::parse_strict(m.bytes);
    if (!j || !j->is_object()) return fail(Errc::malformed_json, impl_->name(src_repo, d.digest) + ": the manifest is not a JSON object");
    std::string where = impl_->name(src_repo, d.digest);
    if (is_index_media_type(d.media_type)) {
      auto it = j->find("manifests");
      if (it == j->end() || !it->is_array()) return fail(Errc::malformed_json, where + ": an index without a \"manifests\" array");
      for (const auto& child : *it) {
        auto c = SIGNY_TRY(descriptor_from(child, where));
        SIGNY_TRY_VOID(copy_manifest(c, depth + 1));
      }
    } else {
      auto cfg = j->find("config");
      if (cfg == j->end()) return fail(Errc::malformed_json, where + ": a manifest without a config");
      SIGNY_TRY_VOID(copy_blob(SIGNY_TRY(descriptor_from(*cfg, where))));
      if (auto layers = j->find("layers"); layers != j->end() && !layers->is_null()) {
        if (!layers->is_array()) return fail(Errc::malformed_json, where + ": \"layers\" is not an array");
        for (const auto& l : *layers) SIGNY_TRY_VOID(copy_blob(SIGNY_TRY(descriptor_from(l, where))));
      }
    }
    SIGNY_TRY_VOID(put_manifest(dst_repo, d.digest, d.media_type, m.bytes));
    return {};
  };
  return copy_manifest(desc, 0);
}

}  // namespace signy::oci
