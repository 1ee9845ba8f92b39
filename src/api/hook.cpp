// The pre-install hook protocol, version 1 (api/hook.hpp; docs/security/hook.md): request parsing
// (stdin JSON or the CNAB runtime variables of cnab-spec 103), the verdict document and the exit
// code. Everything a runtime sends is hostile: every key checked, sizes bounded, fail closed.
#include "signy/api/hook.hpp"

#include <exception>
#include <new>

#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::api {
namespace {

// A request string: non-empty, at most kMaxHookField bytes, no control byte (it reaches the
// verdict, logs and file names).
Result<std::string> checked_text(std::string_view what, std::string_view value) {
  if (value.empty()) return fail(Errc::unsupported_value, std::string(what) + " is empty");
  if (value.size() > kMaxHookField)
    return fail(Errc::too_large, std::string(what) + " is longer than " + std::to_string(kMaxHookField) + " bytes");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return fail(Errc::unsupported_value, std::string(what) + " holds a control character");
  return std::string(value);
}

// cnab-spec 101 actions: the four built-ins and custom action names (e.g. io.cnab.status).
Result<std::string> checked_action(std::string_view what, std::string_view value) {
  auto action = SIGNY_TRY(checked_text(what, value));
  if (action.size() > 128) return fail(Errc::unsupported_value, std::string(what) + " is longer than 128 characters");
  for (char c : action) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_' || c == '/';
    if (!ok) return fail(Errc::unsupported_value, std::string(what) + " \"" + action + "\" is not an action name ([A-Za-z0-9._/-])");
  }
  return action;
}

Result<std::string> string_member(const cjson::Json& obj, std::string_view where, const char* key) {
  const auto& v = obj.at(key);
  std::string what = std::string(where) + key;
  if (!v.is_string()) return fail(Errc::malformed_json, "request: " + what + " is not a string");
  return checked_text("request: " + what, v.get_ref<const std::string&>());
}

// A key named in an error: escaped, at most 64 bytes of it.
std::string escape_key(std::string_view key) {
  return escape_control(key.substr(0, 64)) + (key.size() > 64 ? "..." : "");
}

std::string status_name(CheckStatus s) { return std::string(check_status_name(s)); }

}  // namespace

Result<HookRequest> parse_hook_request(std::string_view json) {
  if (json.size() > kMaxHookRequestBytes)
    return fail(Errc::too_large, "request: larger than " + std::to_string(kMaxHookRequestBytes) + " bytes");
  cjson::ParseLimits limits;
  limits.max_bytes = kMaxHookRequestBytes;
  limits.max_depth = 4;
  auto doc = SIGNY_TRY(cjson::parse_strict(json, limits).map_error([](Error e) { return e.context("request"); }));
  if (!doc.is_object()) return fail(Errc::malformed_json, "request: not a JSON object");
  HookRequest r;
  for (const auto& [key, value] : doc.items()) {
    (void)value;
    if (key != "version" && key != "action" && key != "bundle" && key != "relocationMap" && key != "runtime" &&
        key != "installation")
      return fail(Errc::malformed_json, "request: unknown key \"" + escape_key(key) + "\" (protocol version 1)");
  }
  if (doc.contains("version")) {
    r.version = SIGNY_TRY(string_member(doc, "", "version"));
    if (r.version != kHookProtocolVersion)
      return fail(Errc::unsupported_value, "request: version \"" + r.version + "\" is not supported (this signy speaks version 1)");
  }
  if (!doc.contains("action")) return fail(Errc::malformed_json, "request: action is missing");
  if (!doc["action"].is_string()) return fail(Errc::malformed_json, "request: action is not a string");
  r.action = SIGNY_TRY(checked_action("request: action", doc["action"].get_ref<const std::string&>()));
  if (!doc.contains("bundle")) return fail(Errc::malformed_json, "request: bundle is missing");
  const auto& bundle = doc["bundle"];
  if (!bundle.is_object()) return fail(Errc::malformed_json, "request: bundle is not an object");
  for (const auto& [key, value] : bundle.items()) {
    (void)value;
    if (key != "reference" && key != "path")
      return fail(Errc::malformed_json, "request: unknown key \"bundle." + escape_key(key) + "\" (protocol version 1)");
  }
  if (!bundle.contains("reference")) return fail(Errc::malformed_json, "request: bundle.reference is missing");
  r.reference = SIGNY_TRY(string_member(bundle, "bundle.", "reference"));
  if (bundle.contains("path")) r.bundle_path = SIGNY_TRY(string_member(bundle, "bundle.", "path"));
  if (doc.contains("relocationMap")) r.relocation_map = SIGNY_TRY(string_member(doc, "", "relocationMap"));
  if (doc.contains("runtime")) r.runtime = SIGNY_TRY(string_member(doc, "", "runtime"));
  if (doc.contains("installation")) r.installation = SIGNY_TRY(string_member(doc, "", "installation"));
  return r;
}

Result<HookRequest> hook_request_from_env(const EnvLookup& getenv) {
  HookRequest r;
  auto get = [&](std::string_view name) -> Result<std::optional<std::string>> {
    auto v = getenv(name);
    if (!v) return std::optional<std::string>{};
    return std::optional<std::string>(SIGNY_TRY(checked_text(name, *v)));
  };
  auto action = SIGNY_TRY(get("CNAB_ACTION"));
  if (!action) return fail(Errc::usage, "--env: CNAB_ACTION is not set");
  r.action = SIGNY_TRY(checked_action("CNAB_ACTION", *action));
  auto reference = SIGNY_TRY(get("SIGNY_BUNDLE_REFERENCE"));
  if (!reference) return fail(Errc::usage, "--env: SIGNY_BUNDLE_REFERENCE is not set");
  r.reference = *reference;
  if (auto p = SIGNY_TRY(get("SIGNY_BUNDLE_PATH"))) r.bundle_path = *p;
  if (auto p = SIGNY_TRY(get("SIGNY_RELOCATION_MAP"))) r.relocation_map = *p;
  if (auto v = SIGNY_TRY(get("SIGNY_RUNTIME"))) r.runtime = *v;
  if (auto v = SIGNY_TRY(get("CNAB_INSTALLATION_NAME"))) r.installation = *v;
  r.bundle_name = SIGNY_TRY(get("CNAB_BUNDLE_NAME"));
  r.bundle_version = SIGNY_TRY(get("CNAB_BUNDLE_VERSION"));
  return r;
}

BundleRequest bundle_request(const HookRequest& request) {
  BundleRequest b;
  b.action = request.action;
  b.reference = request.reference;
  b.thick_file = request.bundle_path;
  b.images.relocation_map = request.relocation_map;
  b.runtime = request.runtime;
  return b;
}

Report hook_denied(const Error& error, Denial denial, const HookRequest* request) {
  Report r;
  r.verdict = Verdict::deny;
  r.denial = denial;
  r.error = error;
  r.reason = error.message;
  if (request) {
    r.action = request->action;
    r.reference = request->reference;
    r.runtime = request->runtime;
  }
  return r;
}

Report run_hook(const HookRequest& request, const Environment& environment) {
  try {
    Report report = verify_bundle(bundle_request(request), environment);
    if (report.verdict != Verdict::allow || (!request.bundle_name && !request.bundle_version)) return report;
    // cnab-spec 103: the runtime says which bundle it is about to run; the verified bundle.json
    // must be that one (a runtime that resolved another bundle must not get an allow for it).
    Check check{"runtime-bundle", CheckStatus::passed, "", std::nullopt};
    auto deny = [&](std::string why) {
      check.status = CheckStatus::failed;
      check.detail = why;
      check.error = Errc::policy_denied;
      report.verdict = Verdict::deny;
      report.denial = Denial::verification;
      report.error = Error{Errc::policy_denied, why};
      report.reason = why;
    };
    auto doc = cjson::parse_strict(report.bundle_json);
    if (!doc || !doc->is_object()) {
      deny("the verified bundle.json could not be read for CNAB_BUNDLE_NAME/CNAB_BUNDLE_VERSION");
    } else {
      auto field = [&](const char* key) {
        auto it = doc->find(key);
        return it != doc->end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      std::string name = field("name"), version = field("version");
      if (request.bundle_name && *request.bundle_name != name)
        deny("CNAB_BUNDLE_NAME is \"" + *request.bundle_name + "\", the verified bundle.json's name is \"" + name + "\"");
      else if (request.bundle_version && *request.bundle_version != version)
        deny("CNAB_BUNDLE_VERSION is \"" + *request.bundle_version + "\", the verified bundle.json's version is \"" +
             version + "\"");
      else
        check.detail = "the verified bundle.json is " + name + " " + version + " as the runtime said";
    }
    report.checks.push_back(std::move(check));
    return report;
  } catch (const std::bad_alloc&) {
    return hook_denied(Error{Errc::internal, "out of memory"}, Denial::infrastructure, &request);
  } catch (const std::exception& e) {
    return hook_denied(Error{Errc::internal, std::string("unexpected error (a bug, please report it): ") + e.what()},
                       Denial::infrastructure, &request);
  }
}

cjson::Json hook_verdict(const Report& report) {
  using cjson::Json;
  bool allow = report.verdict == Verdict::allow;
  Json j{{"version", std::string(kHookProtocolVersion)},
         {"verdict", allow ? "allow" : "deny"},
         {"reason", report.reason},
         {"denial", allow ? Json(nullptr) : Json(std::string(denial_name(report.denial)))},
         {"action", report.action},
         {"reference", report.reference},
         {"runtime", report.runtime}};
  if (report.error) {
    j["error"] = {{"code", std::string(errc_name(report.error->code))}, {"message", report.error->message}};
  } else {
    j["error"] = nullptr;
  }
  if (!report.policy_name.empty())
    j["policy"] = {{"name", report.policy_name}, {"scope", report.policy_scope}, {"level", std::string(policy::level_name(report.level))}};
  else
    j["policy"] = nullptr;
  auto checks = Json::array();
  for (const auto& c : report.checks) {
    Json cj{{"name", c.name}, {"status", status_name(c.status)}, {"detail", c.detail}};
    if (c.error) cj["code"] = std::string(errc_name(*c.error));
    checks.push_back(std::move(cj));
  }
  j["checks"] = std::move(checks);
  // The bytes and images are named only when the bundle's digest check passed: an allow of level
  // skip, or of audit past a failed check, verified no bytes and names none (bundle null).
  bool verified = false;
  for (const auto& c : report.checks)
    if (c.name == "bundle-digest") verified = c.status == CheckStatus::passed;
  if (allow && verified) {
    j["bundle"] = {{"gun", report.gun},
                   {"target", report.target},
                   {"digest", "sha256:" + hex_encode(report.bundle.sha256)},
                   {"sha512", hex_encode(report.bundle.sha512)},
                   {"length", report.bundle.length}};
    j["role"] = report.role;
    j["roleVersion"] = report.role_version;
    auto images = Json::array();
    for (const auto& i : report.images) images.push_back({{"name", i.name}, {"image", i.image}, {"reference", i.reference}});
    j["images"] = std::move(images);
    if (report.in_toto)
      j["inToto"] = {{"layout", report.in_toto->layout},
                     {"layoutKeysFrom", report.in_toto->layout_keys_from},
                     {"linksVerified", report.in_toto->summary.links_verified},
                     {"inspectionsRun", report.in_toto->summary.inspections_run}};
    else
      j["inToto"] = nullptr;
  } else {
    // A deny names no bytes and no images: nothing in it may be run.
    j["bundle"] = nullptr;
    j["images"] = Json::array();
    if (allow) {
      j["role"] = report.role;
      j["roleVersion"] = report.role_version;
      j["inToto"] = nullptr;
    }
  }
  j["warnings"] = report.warnings;
  return j;
}

int hook_exit_code(const Report& report) noexcept {
  if (report.verdict == Verdict::allow) return 0;
  switch (report.denial) {
    case Denial::verification: return 1;
    case Denial::bad_request: return 2;
    case Denial::not_signed: return 3;
    case Denial::none:  // a deny without a class is a bug: fail closed as infrastructure
    case Denial::infrastructure: break;
  }
  return 4;
}

}  // namespace signy::api
