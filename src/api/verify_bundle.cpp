// api::verify_bundle: cnab-spec 303's steps in order, under the policy the bundle's GUN gets
// (include/signy/api/verify_bundle.hpp; docs/security/policy.md). verify_thin / verify_thick do
// the work and say where they stopped (VerifySteps); this file turns that into checks, applies
// the policy's level and requirements, and never lets an error escape as anything but a deny.
#include "signy/api/verify_bundle.hpp"

#include <algorithm>
#include <exception>

#include "api/collection.hpp"
#include "signy/notary/file_store.hpp"
#include "signy/oci/reference.hpp"
#include "signy/util/encoding.hpp"

namespace signy::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCheckNames[] = {"policy", "tuf", "signing-role", "bundle-digest", "bundle-schema", "in-toto", "images"};

std::string_view check_of(VerifyStage stage, bool thick) {
  switch (stage) {
    // The request's own inputs: a thick file that cannot be read, a relocation map.
    case VerifyStage::request: return thick ? "bundle-digest" : "images";
    case VerifyStage::tuf: return "tuf";
    case VerifyStage::signing_role: return "signing-role";
    case VerifyStage::bundle_digest: return "bundle-digest";
    case VerifyStage::bundle_schema: return "bundle-schema";
    case VerifyStage::images: return "images";
  }
  return "tuf";
}

class Run {
 public:
  explicit Run(Report& r) : r_(r) {
    for (auto name : kCheckNames) r_.checks.push_back(Check{std::string(name), CheckStatus::skipped, "", std::nullopt});
  }

  Check& check(std::string_view name) {
    for (auto& c : r_.checks)
      if (c.name == name) return c;
    return r_.checks.front();  // unreachable: every name is in kCheckNames
  }
  void pass(std::string_view name, std::string detail) {
    auto& c = check(name);
    c.status = CheckStatus::passed;
    c.detail = std::move(detail);
  }
  void warn(std::string_view name, std::string detail, std::optional<Errc> code = std::nullopt) {
    auto& c = check(name);
    c.status = CheckStatus::warned;
    c.detail = detail;
    c.error = code;
    r_.warnings.push_back(std::string(name) + ": " + detail);
  }
  // A failed check. Audit logs it and goes on (true); every other level denies (false).
  // in_check: a malformed input found while verifying (metadata, bundle.json, an archive) is a
  // verification failure, not a bad request.
  bool failed(std::string_view name, const Error& e, bool in_check = true) {
    if (audit_) {
      warn(name, e.message, e.code);
      if (!r_.error) r_.error = e;
      ++audit_failures_;
      return true;
    }
    auto& c = check(name);
    c.status = CheckStatus::failed;
    c.detail = e.message;
    c.error = e.code;
    deny(e, in_check && e.category() == ErrorCategory::bad_input ? Denial::verification : denial_of(e));
    return false;
  }
  void deny(const Error& e, Denial d) {
    r_.verdict = Verdict::deny;
    r_.denial = d;
    r_.error = e;
    r_.reason = e.message;
  }
  void allow(std::string reason) {
    r_.verdict = Verdict::allow;
    r_.denial = Denial::none;
    if (audit_failures_ > 0)
      reason += ": " + std::to_string(audit_failures_) + " failed check" + (audit_failures_ == 1 ? "" : "s") +
                " logged as warnings, the first: " + r_.error->message;
    r_.reason = std::move(reason);
  }
  void set_audit(bool on) { audit_ = on; }

 private:
  Report& r_;
  bool audit_ = false;
  int audit_failures_ = 0;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// The policy's trusted roots replace the trust dir's pins for this GUN and, unlike notary's
// trust_pinning (first use only), hold for every root: a cached or rotated root the pins do not
// sign is refused (UpdaterConfig::pin_every_root).
void apply_trusted_roots(const policy::Policy& p, const std::string& gun, tuf::UpdaterConfig& config) {
  if (p.root_keys.empty() && !p.root_ca) return;
  auto& pinning = config.pinning;
  config.pin_every_root = true;
  pinning.certs.clear();
  pinning.ca.clear();
  if (!p.root_keys.empty()) pinning.certs[gun] = p.root_keys;  // keys, when both are given (tuf Updater order)
  if (p.root_ca) pinning.ca[gun] = *p.root_ca;
}

void verify(const BundleRequest& request, const Environment& env, Report& r) {
  Run run(r);
  // 1. policy: the reference names the GUN, the document gives its policy.
  auto ref = oci::parse_reference(request.reference);
  if (ref) {
    if (auto st = notary::check_gun(ref->gun()); !st) ref = tl::unexpected(st.error());
  }
  if (!ref) return void(run.failed("policy", ref.error().context("reference " + request.reference.substr(0, 256)), false));
  r.gun = ref->gun();
  r.target = ref->tag;
  const bool explicit_policy = env.policy.has_value();
  auto loaded = explicit_policy ? Result<policy::Document>(*env.policy) : policy::load_from_trust_dir(env.context.trust_dir);
  if (!loaded) {
    auto e = loaded.error();
    auto& c = run.check("policy");
    c.status = CheckStatus::failed;
    c.detail = e.message;
    c.error = e.code;
    return run.deny(e, Denial::bad_request);  // a policy that cannot be read denies, whatever the level
  }
  const auto& doc = *loaded;
  auto sel = policy::select(doc, r.gun);
  if (!sel) return void(run.failed("policy", sel.error(), false));
  const auto& pol = *sel->policy;
  r.policy_name = pol.name;
  r.policy_scope = sel->scope;
  r.level = pol.level;
  const bool from_file = explicit_policy || !doc.source.empty();
  run.pass("policy", sel->why + ", level " + std::string(policy::level_name(pol.level)) +
                         (from_file ? "" : " (no policy file: the default policy)"));
  if (pol.level == policy::Level::skip) {
    r.warnings.push_back("policy " + pol.name + " skips the verification of " + r.gun + ": nothing was verified");
    run.allow("allowed: policy " + pol.name + " (level skip) verifies nothing for " + r.gun);
    return;
  }
  run.set_audit(pol.level == policy::Level::audit);

  // The context this verification runs with: the policy's expiry rule, roots and metadata age.
  Context ctx = env.context;
  ctx.updater.allow_expired = pol.level != policy::Level::strict;
  apply_trusted_roots(pol, r.gun, ctx.updater);
  // A policy (given, or the policy file's) decides, 0 included (always refresh); the built-in
  // default policy has no maxMetadataAge and leaves the caller's Context value.
  if (from_file) ctx.max_metadata_age = pol.max_metadata_age;
  // A TAP 4 map is configuration, as the policy file is: one that cannot be used denies as a bad
  // request before anything is downloaded. The map read here is the one trusted_target uses
  // (ctx.loaded_repository_map): the file is read once.
  auto map = repository_map_of(ctx);
  if (!map) {
    auto e = map.error();
    auto& c = run.check("tuf");
    c.status = CheckStatus::failed;
    c.detail = e.message;
    c.error = e.code;
    return run.deny(e, Denial::bad_request);
  }
  ctx.loaded_repository_map = std::move(*map);

  ImageOptions images = request.images;
  bool images_refused = false;
  if (!pol.require_image_digests) {
    images.allow_unpinned = true;
  } else if (images.allow_unpinned && from_file) {
    // The policy file's requirement wins over the request's --allow-unpinned.
    Error e{Errc::policy_denied, "policy " + pol.name + " requires image digests (requireImageDigests): images without "
                                                        "contentDigest are not accepted"};
    if (!run.failed("images", e)) return;
    images.allow_unpinned = false;
    images_refused = true;
  }

  // 2-5, 7: TUF, signing role, bundle bytes, bundle.json, images (verify_thin / verify_thick).
  VerifySteps steps;
  steps.on_target = [&](const TrustedTarget& t) -> Status {
    r.repositories = t.repositories;  // TAP 4: those that agreed
    std::string tuf_detail = t.gun + ":" + t.target + " signed by " + t.role + " (version " + std::to_string(t.role_version) + ")" +
                             (t.trusted_on_first_use ? ", root trusted on first use" : "") +
                             (t.cache_confirmed_ago ? ", from the trust cache confirmed " + std::to_string(*t.cache_confirmed_ago) +
                                                          " s ago (maxMetadataAge " + std::to_string(ctx.max_metadata_age.count()) +
                                                          " s, nothing downloaded)"
                                                    : "");
    if (!t.expired.empty())
      run.warn("tuf", tuf_detail + "; expired metadata accepted by level " + std::string(policy::level_name(pol.level)) + ": " +
                          join(t.expired, "; "),
               Errc::expired);
    else
      run.pass("tuf", tuf_detail);
    const auto& roles = pol.signing_roles;
    if (!roles.empty() && std::find(roles.begin(), roles.end(), t.role) == roles.end()) {
      Error e{Errc::policy_denied, t.gun + ":" + t.target + " is signed by " + t.role + "; policy " + pol.name +
                                       " accepts only " + join(roles, ", ") + " (signingRoles)"};
      if (!run.failed("signing-role", e)) return tl::unexpected(e);
      return {};
    }
    run.pass("signing-role", "signed by " + t.role + " (version " + std::to_string(t.role_version) + ")" +
                                 (roles.empty() ? ", any role the delegations allow" : ", which policy " + pol.name + " accepts"));
    return {};
  };
  const bool thick = request.thick_file.has_value();
  auto res = thick ? verify_thick_steps(ctx, *request.thick_file, request.reference, images, steps)
                   : verify_thin_steps(ctx, request.reference, images, steps);
  if (!res) {
    auto name = check_of(steps.stage, thick);
    if (run.check(name).status == CheckStatus::failed) return;  // the signing-role check denied already
    // The steps before the one that failed passed (tuf and signing-role said so themselves).
    if (steps.stage > VerifyStage::bundle_digest) run.pass("bundle-digest", "the bytes are the target's length and hashes");
    if (steps.stage > VerifyStage::bundle_schema) run.pass("bundle-schema", "bundle.json is a CNAB bundle (cnab-spec 101)");
    if (!run.failed(name, res.error(), steps.stage != VerifyStage::request)) return;
    run.allow("allowed: " + r.gun + ":" + r.target + " (policy " + pol.name + ", level audit)");
    return;
  }
  r.role = res->role;
  r.role_version = res->role_version;
  r.bundle = res->digests;
  r.bundle_json = res->bundle_json;
  r.trusted_on_first_use = res->trusted_on_first_use;
  if (r.trusted_on_first_use)
    r.warnings.push_back("the root of " + r.gun + " was trusted on first use: pin it (trustedRoots, or <trust dir>/config.json)");
  r.images = res->images;
  for (const auto& w : res->warnings) r.warnings.push_back(w);
  run.pass("bundle-digest", std::to_string(res->digests.length) + " bytes, sha256 " + hex_encode(res->digests.sha256) +
                                " and sha512 as the target lists them");
  run.pass("bundle-schema", "bundle.json (" + std::to_string(res->bundle_json.size()) + " bytes) is a CNAB bundle (cnab-spec 101)");
  if (!images_refused)
    run.pass("images", std::to_string(res->images.size()) + " image" + (res->images.size() == 1 ? "" : "s") +
                           " checked and digest-pinned" + (images.allow_unpinned ? " (images without contentDigest allowed)" : ""));

  // 6. in-toto: when the target lists it, or the policy or the request requires it.
  if (res->in_toto || pol.require_in_toto || request.require_in_toto) {
    Result<InTotoVerifyResult> chain = (!res->in_toto && pol.require_in_toto && !request.require_in_toto)
        ? fail(Errc::policy_denied, "policy " + pol.name + " requires in-toto (requireInToto): " + r.gun + ":" + r.target +
                                        " was signed without in-toto metadata")
        : verify_bundle_intoto(ctx, request.reference, *res, request.thick_file, request.in_toto).map_error([&](Error e) {
            return e.context("in-toto verification of " + r.gun + ":" + r.target);
          });
    if (!chain) {
      if (!run.failed("in-toto", chain.error())) return;
    } else {
      run.pass("in-toto", "layout " + chain->layout + " (keys from " + chain->layout_keys_from + "), " +
                              std::to_string(chain->summary.links_verified) + " links, " +
                              std::to_string(chain->summary.inspections_run) + " inspections");
      for (const auto& w : chain->summary.warnings) r.warnings.push_back(w);
      r.in_toto = std::move(*chain);
    }
  } else {
    run.check("in-toto").detail = "not applicable: the target lists no in-toto metadata and none is required";
  }
  run.allow("allowed: " + r.gun + ":" + r.target + " verified (policy " + pol.name + ", level " +
            std::string(policy::level_name(pol.level)) + ")");
}

}  // namespace

std::string_view check_status_name(CheckStatus s) noexcept {
  switch (s) {
    case CheckStatus::passed: return "passed";
    case CheckStatus::failed: return "failed";
    case CheckStatus::warned: return "warned";
    case CheckStatus::skipped: return "skipped";
  }
  return "failed";
}

std::string_view denial_name(Denial d) noexcept {
  switch (d) {
    case Denial::none: return "none";
    case Denial::verification: return "verification";
    case Denial::not_signed: return "not_signed";
    case Denial::bad_request: return "bad_request";
    case Denial::infrastructure: return "infrastructure";
  }
  return "infrastructure";
}

Denial denial_of(const Error& e) noexcept {
  if (e.code == Errc::not_signed) return Denial::not_signed;
  switch (e.category()) {
    case ErrorCategory::verification: return Denial::verification;
    case ErrorCategory::usage:
    case ErrorCategory::bad_input: return Denial::bad_request;
    case ErrorCategory::network:
    case ErrorCategory::local_io:
    case ErrorCategory::internal: return Denial::infrastructure;
  }
  return Denial::infrastructure;
}

Report verify_bundle(const BundleRequest& request, const Environment& environment) {
  Report r;
  try {
    r.action = request.action;
    r.reference = request.reference;
    r.runtime = request.runtime;
    verify(request, environment, r);
  } catch (const std::exception& e) {
    // Fail closed: nothing may leave this function as anything but a deny.
    Error err{Errc::internal, std::string("verification stopped: ") + e.what()};
    r.verdict = Verdict::deny;
    r.denial = Denial::infrastructure;
    r.error = err;
    r.reason = err.message;
  } catch (...) {
    Error err{Errc::internal, "verification stopped: an unknown exception"};
    r.verdict = Verdict::deny;
    r.denial = Denial::infrastructure;
    r.error = err;
    r.reason = err.message;
  }
  return r;
}

}  // namespace signy::api
