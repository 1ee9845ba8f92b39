// signy policy check [--policy FILE] [REF...]: validates the verification policy
// (docs/security/policy.md) and tells which policy each reference gets, and why.
#include <iostream>

#include "cli/cli.hpp"
#include "signy/oci/reference.hpp"
#include "signy/policy/policy.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

nlohmann::json policy_json(const policy::Policy& p) {
  nlohmann::json j{{"name", p.name},
                   {"scopes", p.scopes},
                   {"level", policy::level_name(p.level)},
                   {"requireInToto", p.require_in_toto},
                   {"requireImageDigests", p.require_image_digests},
                   {"signingRoles", p.signing_roles},
                   {"maxMetadataAge", policy::format_age(p.max_metadata_age)}};
  if (!p.root_keys.empty() || p.root_ca) {
    j["trustedRoots"] = nlohmann::json::object();
    if (!p.root_keys.empty()) j["trustedRoots"]["keys"] = p.root_keys;
    if (p.root_ca) j["trustedRoots"]["ca"] = p.root_ca->string();
  }
  return j;
}

// One line of what the policy asks beyond its level.
std::string requirements(const policy::Policy& p) {
  if (p.level == policy::Level::skip) return "verifies nothing";
  std::vector<std::string> r;
  r.push_back(p.require_in_toto ? "in-toto required" : "in-toto when signed with it");
  r.push_back(p.require_image_digests ? "image digests required" : "images without digest allowed");
  r.push_back(p.signing_roles.empty() ? "any signing role" : "signing roles " + join(p.signing_roles));
  if (!p.root_keys.empty()) r.push_back("root keys " + join(p.root_keys));
  if (p.root_ca) r.push_back("root CA " + escape_control(p.root_ca->string()));
  r.push_back(p.max_metadata_age.count() == 0 ? "metadata always refreshed"
                                              : "metadata reused up to " + policy::format_age(p.max_metadata_age));
  return join(r);
}

}  // namespace

void register_policy(Registry& r) {
  auto* group = r.app.add_subcommand("policy", "Inspect the verification policy (<dir>/policy.json, docs/security/policy.md)");
  group->footer("Example: signy policy check localhost:5000/org/app:v1");
  group->require_subcommand(1);

  struct Opts {
    std::string file;
    std::vector<std::string> refs;
  };
  auto o = std::make_shared<Opts>();
  auto* check = group->add_subcommand(
      "check",
      "Validate the policy file (every key; exit 3 naming the policy and key if wrong) and print which policy each REF "
      "gets and why (exit 1 if a REF gets none: verification would deny it)");
  check->footer(
      "Examples:\n  signy policy check\n  signy policy check --policy policy.json localhost:5000/org/app:v1 localhost:5000/team/tool:v2");
  check->add_option("--policy", o->file, "Policy file to check (default <dir>/policy.json; without one: the default policy)")
      ->type_name("FILE");
  check->add_option("REF", o->refs, "References (or GUNs) to choose a policy for, e.g. localhost:5000/org/app:v1");
  check->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      std::filesystem::path file = o->file.empty() ? r.global.trust_dir_path() / "policy.json" : std::filesystem::path(o->file);
      auto doc = o->file.empty() ? SIGNY_TRY(policy::load_from_trust_dir(r.global.trust_dir_path()))
                                 : SIGNY_TRY(policy::load(file));
      SIGNY_TRY_VOID(policy::check_files(doc));
      bool defaulted = doc.source.empty();

      struct Outcome {
        std::string ref;
        std::string gun;
        Result<policy::Selection> selection;
      };
      std::vector<Outcome> outcomes;
      std::optional<Error> first;
      std::size_t failed = 0;
      for (const auto& ref : o->refs) {
        Outcome out{ref, {}, fail(Errc::internal, "")};
        auto parsed = oci::parse_reference(ref);
        if (parsed) {
          out.gun = parsed->gun();
          out.selection = policy::select(doc, out.gun);
        } else {
          out.selection = tl::unexpected(parsed.error());
        }
        if (!out.selection) {
          ++failed;
          if (!first) first = out.selection.error();
        }
        outcomes.push_back(std::move(out));
      }

      if (r.global.output == OutputFormat::json) {
        nlohmann::json j{{"file", defaulted ? nlohmann::json(nullptr) : nlohmann::json(doc.source.string())},
                         {"default", defaulted},
                         {"valid", true},
                         {"version", doc.version}};
        j["policies"] = nlohmann::json::array();
        for (const auto& p : doc.policies) j["policies"].push_back(policy_json(p));
        j["references"] = nlohmann::json::array();
        for (const auto& out : outcomes) {
          nlohmann::json e{{"reference", out.ref}};
          if (!out.gun.empty()) e["gun"] = out.gun;
          if (out.selection) {
            e["policy"] = out.selection->policy->name;
            e["scope"] = out.selection->scope;
            e["level"] = policy::level_name(out.selection->policy->level);
            e["why"] = out.selection->why;
          } else {
            e["error"] = {{"code", errc_name(out.selection.error().code)}, {"message", out.selection.error().message}};
          }
          j["references"].push_back(std::move(e));
        }
        print_json(j);
      } else {
        if (defaulted)
          std::cout << "No policy file (" << escape_control(file.string()) << "): the default policy applies\n";
        else
          std::cout << "Policy file " << escape_control(doc.source.string()) << ": valid (version " << doc.version << ", "
                    << doc.policies.size() << (doc.policies.size() == 1 ? " policy" : " policies") << ")\n";
        for (const auto& p : doc.policies)
          std::cout << "  " << p.name << " (" << policy::level_name(p.level) << "): " << join(p.scopes) << "\n    "
                    << requirements(p) << "\n";
        for (const auto& out : outcomes) {
          std::cout << escape_control(out.ref) << ": ";
          if (out.selection)
            std::cout << "policy " << out.selection->policy->name << " (" << policy::level_name(out.selection->policy->level)
                      << "), " << out.selection->why << "\n";
          else
            std::cout << (out.selection.error().code == Errc::policy_denied ? "denied: " : "error: ")
                      << escape_control(out.selection.error().message) << "\n";
        }
      }
      if (first) {
        // The document above already carries each failure: -o json prints no second object.
        r.global.json_written = true;
        std::string more = failed > 1 ? " (and " + std::to_string(failed - 1) + " more)" : "";
        return tl::unexpected(Error{first->code, first->message + more});
      }
      return {};
    };
  });
}

}  // namespace signy::cli
