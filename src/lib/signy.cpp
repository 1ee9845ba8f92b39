// libsigny's facade (include/signy/signy.hpp): standard types in and out, the work done by api
// (verify: api::verify_bundle, the workflow behind `signy verify` and the hook; sign: api::sign_thin
// / api::sign_thick as `signy sign`). Errors never leave as exceptions.
#include "signy/signy.hpp"

#include <cstdlib>
#include <exception>
#include <new>

#include "signy/api/api.hpp"
#include "signy/api/verify_bundle.hpp"
#include "signy/util/encoding.hpp"
#include "signy/version.hpp"

namespace signy::lib {
namespace {

lib::Error to_public(const signy::Error& e) {
  return {std::string(errc_name(e.code)), std::string(category_name(e.category())), exit_code(e.category()), e.message};
}

// The environment's passphrases (keystore::EnvPromptPassphrase's variables and rules), or the
// caller's; a library never opens the terminal.
class LibPassphrase : public keystore::PassphraseSource {
 public:
  explicit LibPassphrase(const Options& options) : options_(options) {}
  Result<SecretString> get(std::string_view role, std::string_view key_id, bool creating) override {
    if (options_.passphrase) {
      auto pass = options_.passphrase(role, key_id, creating);
      if (!pass) return fail(Errc::no_passphrase, "no passphrase for the " + std::string(role.substr(0, 64)) + " key");
      SecretString secret{std::move(*pass)};
      if (creating && secret.size() < keystore::kMinPassphrase)
        return fail(Errc::no_passphrase, "a new key's passphrase needs at least " + std::to_string(keystore::kMinPassphrase) + " characters");
      return secret;
    }
    std::string var(keystore::EnvPromptPassphrase::env_var_for(role));
    const char* v = std::getenv(var.c_str());
    if (v == nullptr || *v == '\0')
      return fail(Errc::no_passphrase, "no passphrase for the " + std::string(role.substr(0, 64)) + " key: set " + var);
    return env_.get(role, key_id, creating);  // the variable is set: never prompts
  }

 private:
  const Options& options_;
  keystore::EnvPromptPassphrase env_;
};

// cli::make_context's settings from the global options.
Result<api::Context> make_context(const Options& o, keystore::PassphraseSource& pass) {
  api::Context ctx;
  std::filesystem::path dir = o.trust_dir;
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    dir = std::filesystem::path(home && *home ? home : ".") / ".signy";
  }
  std::error_code ec;
  ctx.trust_dir = std::filesystem::absolute(dir, ec);
  if (ec) return fail(Errc::io_error, "trust directory " + dir.string() + ": " + ec.message());
  if (o.timeout.count() <= 0) return fail(Errc::usage, "the timeout must be positive");
  ctx.server = o.server;
  ctx.passphrases = &pass;
  ctx.http.ca_file = o.tls_ca_file;
  ctx.http.timeout_ms = static_cast<long>(o.timeout.count());
  ctx.registry.http.timeout_ms = static_cast<long>(o.timeout.count());
  ctx.registry.ca_file = o.registry_ca_file;
  ctx.registry.insecure_registries = o.insecure_registries;
  ctx.now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
  ctx.updater.pinning = SIGNY_TRY(api::load_trust_pinning(ctx.trust_dir));
  if (!o.repository_map.empty()) ctx.repository_map = std::filesystem::path(o.repository_map);
  return ctx;
}

std::vector<Image> to_public(const std::vector<cnab::VerifiedImage>& images) {
  std::vector<Image> out;
  out.reserve(images.size());
  for (const auto& i : images) out.push_back({i.name, i.image, i.reference});
  return out;
}

VerifyReport deny(const VerifyRequest& request, const signy::Error& e) {
  VerifyReport r;
  r.allowed = false;
  r.denial = std::string(api::denial_name(api::denial_of(e)));
  r.error = to_public(e);
  r.reason = e.message;
  r.action = request.action;
  r.reference = request.reference;
  r.runtime = request.runtime;
  return r;
}

VerifyReport to_public(const api::Report& in) {
  VerifyReport r;
  r.allowed = in.verdict == api::Verdict::allow;
  r.denial = std::string(api::denial_name(in.denial));
  if (in.error) r.error = to_public(*in.error);
  r.reason = in.reason;
  r.action = in.action;
  r.reference = in.reference;
  r.runtime = in.runtime;
  r.policy = in.policy_name;
  r.policy_scope = in.policy_scope;
  r.level = std::string(policy::level_name(in.level));
  r.gun = in.gun;
  r.target = in.target;
  r.role = in.role;
  r.role_version = in.role_version;
  r.length = in.bundle.length;
  if (r.length > 0 || !in.role.empty()) {
    r.sha256 = hex_encode(in.bundle.sha256);
    r.sha512 = hex_encode(in.bundle.sha512);
  }
  r.bundle_json = in.bundle_json;
  r.trusted_on_first_use = in.trusted_on_first_use;
  r.images = to_public(in.images);
  if (in.in_toto) {
    const auto& t = *in.in_toto;
    r.in_toto = InTotoSummary{t.layout, t.layout_keys_from, t.layout_keys, t.links, t.summary.links_verified,
                              t.summary.inspections_run};
  }
  r.repositories = in.repositories;
  for (const auto& c : in.checks)
    r.checks.push_back({c.name, std::string(api::check_status_name(c.status)), c.detail,
                        c.error ? std::string(errc_name(*c.error)) : std::string()});
  r.warnings = in.warnings;
  return r;
}

VerifyReport verify_unguarded(const VerifyRequest& request, const Options& options) {
  LibPassphrase pass(options);  // verify reads no private key; set for completeness
  auto ctx = make_context(options, pass);
  if (!ctx) return deny(request, ctx.error());
  api::Environment env;
  env.context = std::move(*ctx);
  if (!options.policy_file.empty()) {
    auto doc = policy::load(options.policy_file);
    if (!doc) return deny(request, doc.error());
    env.policy = std::move(*doc);
  }
  api::BundleRequest req;
  req.action = request.action;
  req.reference = request.reference;
  if (!request.thick_file.empty()) req.thick_file = std::filesystem::path(request.thick_file);
  if (!request.relocation_map.empty()) req.images.relocation_map = std::filesystem::path(request.relocation_map);
  req.images.allow_unpinned = request.allow_unpinned;
  req.require_in_toto = request.require_in_toto;
  if (!request.in_toto_dir.empty()) req.in_toto.dir = std::filesystem::path(request.in_toto_dir);
  req.runtime = request.runtime;
  return to_public(api::verify_bundle(req, env));
}

Result<SignResult> sign_unguarded(const SignRequest& request, const Options& options) {
  LibPassphrase pass(options);
  auto ctx = SIGNY_TRY(make_context(options, pass));
  if (request.file.empty() || request.reference.empty()) return fail(Errc::usage, "sign needs a file and a reference");
  api::SignOptions opts;
  if (!request.root_key_file.empty()) opts.root_key_file = std::filesystem::path(request.root_key_file);
  if (!request.root_key_id.empty()) opts.root_key_id = request.root_key_id;
  if (!request.targets_key_id.empty()) opts.targets_key_id = request.targets_key_id;
  opts.local_snapshot = request.local_snapshot;
  bool in_toto = !request.in_toto_layout.empty() || !request.in_toto_links.empty() || !request.in_toto_layout_key.empty();
  if (in_toto) {
    if (request.in_toto_layout.empty() || request.in_toto_links.empty())
      return fail(Errc::usage, "in-toto signing needs a layout and a links directory");
    api::InTotoPublish p{request.in_toto_layout, request.in_toto_links, {}};
    if (!request.in_toto_layout_key.empty()) p.layout_key = std::filesystem::path(request.in_toto_layout_key);
    opts.in_toto = std::move(p);
  }
  api::ImageOptions images;
  images.allow_unpinned = request.allow_unpinned;
  SignResult out;
  const api::SignResult* res = nullptr;
  api::ThinSignResult thin;
  api::SignResult thick;
  if (request.thick) {
    if (!request.relocation_map_out.empty()) return fail(Errc::usage, "a relocation map applies to thin bundles, not thick ones");
    thick = SIGNY_TRY(api::sign_thick(ctx, request.file, request.reference, opts, images));
    res = &thick;
  } else {
    if (!request.relocation_map_out.empty()) images.relocation_map = std::filesystem::path(request.relocation_map_out);
    thin = SIGNY_TRY(api::sign_thin(ctx, request.file, request.reference, opts, images));
    out.index_digest = thin.index_digest;
    out.images = to_public(thin.images);
    out.warnings = thin.warnings;
    res = &thin;
  }
  out.gun = res->gun;
  out.target = res->target;
  out.role = res->role;
  out.version = res->targets_version;
  out.initialized = res->initialized;
  out.length = res->digests.length;
  out.sha256 = hex_encode(res->digests.sha256);
  out.sha512 = hex_encode(res->digests.sha512);
  out.in_toto_targets = res->in_toto_targets;
  return out;
}

}  // namespace

std::string version() { return SIGNY_VERSION; }

VerifyReport verify(const VerifyRequest& request, const Options& options) noexcept {
  try {
    return verify_unguarded(request, options);
  } catch (const std::bad_alloc&) {
    return deny(request, signy::Error{Errc::internal, "out of memory"});
  } catch (const std::exception& e) {
    return deny(request, signy::Error{Errc::internal, std::string("internal error: ") + e.what()});
  } catch (...) {  // e.g. thrown by the caller's passphrase callback: noexcept must not terminate
    return deny(request, signy::Error{Errc::internal, "internal error: an exception of unknown type"});
  }
}

SignResult sign(const SignRequest& request, const Options& options) noexcept {
  try {
    auto res = sign_unguarded(request, options);
    if (res) return std::move(*res);
    SignResult out;
    out.error = to_public(res.error());
    return out;
  } catch (const std::bad_alloc&) {
    SignResult out;
    out.error = lib::Error{"internal", "internal", 6, "out of memory"};
    return out;
  } catch (const std::exception& e) {
    SignResult out;
    out.error = lib::Error{"internal", "internal", 6, std::string("internal error: ") + e.what()};
    return out;
  } catch (...) {
    SignResult out;
    out.error = lib::Error{"internal", "internal", 6, "internal error: an exception of unknown type"};
    return out;
  }
}

}  // namespace signy::lib
