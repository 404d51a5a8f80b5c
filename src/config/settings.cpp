#include "config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "common/secrets.hpp"
#include "config/embedded.hpp"
#include "connectors/credential_vault.hpp"
#include "notify/letters.hpp"
#include "notify/imap_inbox.hpp"
#include "notify/mailer.hpp"
#include "notify/webhooks.hpp"
#include "package/report_texts.hpp"
#include "store/postgres_case_store.hpp"
#include "store/sqlite_case_store.hpp"
#include "store/store_copy.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

bool is_postgres_url(std::string_view text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

std::optional<fs::path> env_path(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return fs::path(value);
}

Result<std::string> read_file(const fs::path& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) return not_found(std::string(what) + " " + path.string() + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The home folder and what lives in it unless configured elsewhere.
void set_home(Settings& s, fs::path home) {
  s.home = std::move(home);
  s.store_path = s.home / "maestro.db";
  s.key_file = s.home / "secret.key";
  s.outbox_dir = s.home / "outbox";
}

// The configuration a packaged installation reads when nothing more specific is given
// (MAESTRO_SYSTEM_CONFIG is set by the build from the install prefix: /etc/maestro/maestro.yaml).
#ifndef MAESTRO_SYSTEM_CONFIG
#define MAESTRO_SYSTEM_CONFIG "/etc/maestro/maestro.yaml"
#endif

fs::path relative_to(const fs::path& base, const std::string& value) {
  fs::path p(value);
  return p.is_absolute() ? p : base / p;
}

Result<int> bounded_int(const YAML::Node& value, const std::string& at, const std::string& key, int low, int high) {
  int n = value.as<int>();
  if (n < low || n > high)
    return invalid(at + ": server." + key + " is from " + std::to_string(low) + " to " + std::to_string(high));
  return n;
}

// Plain http only to this machine (a relay beside Maestro); anything else must be https.
bool acceptable_webhook_url(const std::string& url) {
  if (url.starts_with("https://")) return url.size() > 8;
  for (const char* local : {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"}) {
    if (url.starts_with(local)) return true;
  }
  return false;
}

Status read_webhook(const YAML::Node& node, const fs::path& base, const std::string& at, WebhookSettings& hook) {
  static const std::set<std::string> known{"name", "url", "events", "secret_env", "secret_file", "format",
                                           "personal_data", "due_soon_days"};
  for (const auto& h : node) {
    auto k = h.first.as<std::string>();
    if (k == "secret") return invalid(at + ": a webhook's secret must not be written in maestro.yaml: use secret_env or secret_file");
    if (!known.contains(k)) {
      return invalid(at + ": unknown webhook setting '" + k +
                     "' (known: name, url, events, secret_env, secret_file, format, personal_data, due_soon_days)");
    }
  }
  hook.name = node["name"].as<std::string>("");
  hook.url = node["url"].as<std::string>("");
  hook.secret_env = node["secret_env"].as<std::string>("");
  if (node["secret_file"]) hook.secret_file = relative_to(base, node["secret_file"].as<std::string>());
  hook.format = node["format"].as<std::string>("json");
  hook.personal_data = node["personal_data"].as<bool>(false);
  hook.due_soon_days = node["due_soon_days"].as<int>(7);
  if (hook.name.empty() || hook.name.size() > 40 ||
      hook.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
    return invalid(at + ": a webhook needs a 'name' of lower-case letters, digits, '-' or '_' (at most 40)");
  }
  if (!acceptable_webhook_url(hook.url)) {
    return invalid(at + ": webhook " + hook.name + "'s url must be https://... (http:// only to this machine)");
  }
  if (hook.secret_env.empty() == hook.secret_file.empty()) {
    return invalid(at + ": webhook " + hook.name + " needs its signing secret from secret_env or secret_file (one)");
  }
  if (hook.format != "json" && hook.format != "slack") {
    return invalid(at + ": webhook " + hook.name + "'s format is json or slack");
  }
  if (hook.due_soon_days < 1 || hook.due_soon_days > 60) {
    return invalid(at + ": webhook " + hook.name + "'s due_soon_days is 1 to 60");
  }
  if (!node["events"].IsSequence() || node["events"].size() == 0) {
    return invalid(at + ": webhook " + hook.name + " needs a list of 'events'");
  }
  const auto& types = webhook_event_types();
  for (const auto& e : node["events"]) {
    std::string type = e.as<std::string>();
    if (std::find(types.begin(), types.end(), type) == types.end() || type == "ping") {
      return invalid(at + ": webhook " + hook.name + ": unknown event '" + type +
                     "' (known: case.created, case.state_changed, case.due_soon, case.overdue, case.closed, "
                     "job.failed, erasure.proven, package.staged)");
    }
    hook.events.push_back(type);
  }
  return {};
}

Status read_webhooks(const YAML::Node& value, const fs::path& base, const std::string& origin,
                     std::vector<WebhookSettings>& hooks) {
  if (!value.IsSequence()) return invalid(origin + ": 'webhooks' is a list of receivers (name, url, events, secret_env)");
  for (const auto& node : value) {
    std::string at = origin + ":" + std::to_string(node.Mark().line + 1);
    if (!node.IsMap()) return invalid(at + ": a webhook is a map (name, url, events, secret_env or secret_file)");
    WebhookSettings hook;
    if (auto ok = read_webhook(node, base, at, hook); !ok) return ok;
    for (const auto& other : hooks) {
      if (other.name == hook.name) return invalid(at + ": two webhooks are named " + hook.name);
    }
    hooks.push_back(std::move(hook));
  }
  return {};
}

Status read_server_settings(const YAML::Node& value, const fs::path& base, const std::string& origin,
                            ServerSettings& server) {
  std::string where = origin + ":" + std::to_string(value.Mark().line + 1);
  if (!value.IsMap()) return invalid(where + ": 'server' is a map (listen, public_url, tls_cert, tls_key, ...)");
  for (const auto& m : value) {
    auto k = m.first.as<std::string>();
    std::string at = origin + ":" + std::to_string(m.first.Mark().line + 1);
    const YAML::Node& v = m.second;
    if (k == "listen") {
      server.listen = v.as<std::string>();
    } else if (k == "public_url") {
      server.public_url = v.as<std::string>();
      while (server.public_url.ends_with('/')) server.public_url.pop_back();
      if (!server.public_url.starts_with("https://") && !server.public_url.starts_with("http://"))
        return invalid(at + ": server.public_url is an http:// or https:// address");
    } else if (k == "tls_cert") {
      server.tls_cert = relative_to(base, v.as<std::string>());
    } else if (k == "tls_key") {
      server.tls_key = relative_to(base, v.as<std::string>());
    } else if (k == "trusted_proxies") {
      if (!v.IsSequence()) return invalid(at + ": server.trusted_proxies is a list of addresses");
      for (const auto& item : v) server.trusted_proxies.push_back(item.as<std::string>());
    } else if (k == "sweep_hour") {
      auto n = bounded_int(v, at, k, -1, 23);
      if (!n) return propagate(n.error());
      server.sweep_hour = *n;
    } else if (k == "session_idle_minutes") {
      auto n = bounded_int(v, at, k, 1, 24 * 60);
      if (!n) return propagate(n.error());
      server.session_idle_minutes = *n;
    } else if (k == "download_hours") {
      auto n = bounded_int(v, at, k, 1, 24 * 30);
      if (!n) return propagate(n.error());
      server.download_hours = *n;
    } else if (k == "download_limit") {
      auto n = bounded_int(v, at, k, 1, 100);
      if (!n) return propagate(n.error());
      server.download_limit = *n;
    } else if (k == "portal_questions") {
      if (!v.IsSequence()) return invalid(at + ": server.portal_questions is a list of {field, question}");
      for (const auto& item : v) {
        if (!item.IsMap() || !item["field"] || !item["question"])
          return invalid(at + ": each portal question has a field and a question");
        server.portal_questions.push_back({item["field"].as<std::string>(), item["question"].as<std::string>()});
      }
    } else if (k == "session_hours") {
      auto n = bounded_int(v, at, k, 1, 24 * 7);
      if (!n) return propagate(n.error());
      server.session_hours = *n;
    } else {
      return invalid(at + ": unknown server setting '" + k +
                     "' (known: listen, public_url, tls_cert, tls_key, trusted_proxies, sweep_hour, "
                     "session_idle_minutes, session_hours, download_hours, download_limit, portal_questions)");
    }
  }
  if (server.tls_cert.empty() != server.tls_key.empty())
    return invalid(where + ": server.tls_cert and server.tls_key go together");
  return {};
}

Status read_agent_settings(const YAML::Node& value, const std::string& origin, AgentSettings& agents) {
  std::string where = origin + ":" + std::to_string(value.Mark().line + 1);
  if (!value.IsMap()) return invalid(where + ": 'agents' is a map (business_id, base_path, jurisdiction, clock_skew_seconds)");
  for (const auto& m : value) {
    auto k = m.first.as<std::string>();
    std::string at = origin + ":" + std::to_string(m.first.Mark().line + 1);
    const YAML::Node& v = m.second;
    if (k == "business_id") {
      agents.business_id = v.as<std::string>("");
      if (agents.business_id.empty() || agents.business_id.size() > 100 ||
          std::any_of(agents.business_id.begin(), agents.business_id.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return invalid(at + ": agents.business_id is this business's id in the agents' directory (1 to 100 characters)");
    } else if (k == "base_path") {
      agents.base_path = v.as<std::string>("");
      while (agents.base_path.size() > 1 && agents.base_path.ends_with('/')) agents.base_path.pop_back();
      if (!agents.base_path.starts_with("/") || agents.base_path == "/" || agents.base_path.starts_with("/api") ||
          agents.base_path.starts_with("/portal") || agents.base_path.starts_with("/dashboard") ||
          agents.base_path.find_first_of("?#% ") != std::string::npos)
        return invalid(at + ": agents.base_path is a path of its own, such as /drp (not /, /api, /portal or /dashboard)");
    } else if (k == "jurisdiction") {
      agents.jurisdiction = v.as<std::string>("");
    } else if (k == "clock_skew_seconds") {
      auto n = bounded_int(v, at, k, 0, 600);
      if (!n) return propagate(n.error());
      agents.clock_skew_seconds = *n;
    } else {
      return invalid(at + ": unknown agents setting '" + k + "' (known: business_id, base_path, jurisdiction, clock_skew_seconds)");
    }
  }
  return {};
}

Status apply_config_file(Settings& s, const fs::path& file) {
  auto text = read_file(file, "configuration file");
  if (!text) return propagate(text.error());
  std::string origin = file.string();
  try {
    YAML::Node root = YAML::Load(*text);
    if (root.IsNull()) return {};
    if (!root.IsMap()) return invalid(origin + ": expected a YAML map of settings");
    fs::path base = file.parent_path();
    // `home` first, wherever it stands: it moves the defaults that later keys may override.
    if (root["home"]) set_home(s, relative_to(base, root["home"].as<std::string>()));
    for (const auto& entry : root) {
      auto key = entry.first.as<std::string>();
      if (key == "home") continue;
      std::string where = origin + ":" + std::to_string(entry.first.Mark().line + 1);
      const YAML::Node& value = entry.second;
      if (key == "store") {
        auto location = value.as<std::string>();
        if (is_postgres_url(location))
          s.store_url = location;
        else
          s.store_path = relative_to(base, location);
      } else if (key == "store_password_env") {
        s.store_password_env = value.as<std::string>();
      } else if (key == "store_password_file") {
        s.store_password_file = relative_to(base, value.as<std::string>());
      } else if (key == "key_file") {
        s.key_file = relative_to(base, value.as<std::string>());
      } else if (key == "policy") {
        s.policy_file = relative_to(base, value.as<std::string>());
      } else if (key == "datamap") {
        s.datamap_file = relative_to(base, value.as<std::string>());
      } else if (key == "exports_root") {
        s.exports_root = relative_to(base, value.as<std::string>());
      } else if (key == "taxonomy") {
        s.taxonomy_file = relative_to(base, value.as<std::string>());
      } else if (key == "organisation") {
        if (!value.IsMap())
          return invalid(where +
                         ": 'organisation' is a map with 'name', 'dpo_email' (and 'address', 'email', "
                         "'dpo_name')");
        for (const auto& item : value) {
          static const std::set<std::string> known{"name", "dpo_email", "address", "email", "dpo_name"};
          auto k = item.first.as<std::string>();
          if (!known.contains(k))
            return invalid(origin + ":" + std::to_string(item.first.Mark().line + 1) + ": unknown organisation key '" +
                           k + "' (known: name, address, email, dpo_name, dpo_email)");
        }
        s.organisation = value["name"].as<std::string>(s.organisation);
        s.dpo_email = value["dpo_email"].as<std::string>(s.dpo_email);
        s.organisation_address = value["address"].as<std::string>("");
        s.organisation_email = value["email"].as<std::string>("");
        s.dpo_name = value["dpo_name"].as<std::string>("");
      } else if (key == "language") {
        s.language = value.as<std::string>();
      } else if (key == "templates_dir") {
        s.templates_dir = relative_to(base, value.as<std::string>());
      } else if (key == "mail") {
        if (!value.IsMap())
          return invalid(where + ": 'mail' is a map (from, smtp, tls, user_env, password_env, outbox_dir)");
        for (const auto& m : value) {
          auto k = m.first.as<std::string>();
          std::string at = origin + ":" + std::to_string(m.first.Mark().line + 1);
          if (k == "from")
            s.mail_from = m.second.as<std::string>();
          else if (k == "reply_to")
            s.mail_reply_to = m.second.as<std::string>();
          else if (k == "smtp")
            s.smtp_url = m.second.as<std::string>();
          else if (k == "tls")
            s.smtp_tls = m.second.as<std::string>();
          else if (k == "user_env")
            s.smtp_user_env = m.second.as<std::string>();
          else if (k == "password_env")
            s.smtp_password_env = m.second.as<std::string>();
          else if (k == "outbox_dir")
            s.outbox_dir = relative_to(base, m.second.as<std::string>());
          else if (k == "imap")
            s.imap_url = m.second.as<std::string>();
          else if (k == "imap_password_env")
            s.imap_password_env = m.second.as<std::string>();
          else if (k == "imap_password_file")
            s.imap_password_file = relative_to(base, m.second.as<std::string>());
          else if (k == "imap_ca_file")
            s.imap_ca_file = relative_to(base, m.second.as<std::string>());
          else if (k == "imap_auto_log")
            s.imap_auto_log = m.second.as<bool>();
          else if (k == "max_message_mb")
            s.max_message_mb = m.second.as<int>();
          else if (k == "imap_processed_folder")
            s.imap_processed_folder = m.second.as<std::string>();
          else if (k == "imap_ignored_folder")
            s.imap_ignored_folder = m.second.as<std::string>();
          else if (k == "password" || k == "user" || k == "imap_password")
            return invalid(at + ": mail credentials must not be written in maestro.yaml: use '" + k +
                           "_env: VARIABLE'");
          else
            return invalid(at + ": unknown mail setting '" + k +
                           "' (known: from, reply_to, smtp, tls, user_env, password_env, outbox_dir, imap, imap_password_env, "
                           "imap_password_file, imap_ca_file, imap_auto_log, max_message_mb, imap_processed_folder, "
                           "imap_ignored_folder)");
        }
        if (!s.imap_url.empty() && !s.imap_url.starts_with("imaps://") && !s.imap_url.starts_with("imap://")) {
          return invalid(where + ": mail.imap must be imaps://USER@HOST/FOLDER (or imap:// with STARTTLS)");
        }
        if (s.max_message_mb < 1 || s.max_message_mb > 1024) return invalid(where + ": mail.max_message_mb is 1 to 1024");
        for (const std::string* folder : {&s.imap_processed_folder, &s.imap_ignored_folder}) {
          if (folder->empty() || folder->find_first_of("\"\r\n*%") != std::string::npos)
            return invalid(where + ": mail.imap_processed_folder and imap_ignored_folder are folder names (no quotes, * or %)");
        }
        if (!s.smtp_url.empty() && !s.smtp_url.starts_with("smtp://") && !s.smtp_url.starts_with("smtps://")) {
          return invalid(where + ": mail.smtp must be smtp://host:port or smtps://host:port");
        }
        if (s.smtp_tls != "try" && s.smtp_tls != "required" && s.smtp_tls != "none") {
          return invalid(where + ": mail.tls must be try, required or none");
        }
      } else if (key == "workers") {
        std::string mode = value.as<std::string>("");
        if (mode != "external" && mode != "in_process") {
          return invalid(where + ": 'workers' is external (jobs run in 'maestro worker' processes) or in_process");
        }
        s.workers_external = mode == "external";
      } else if (key == "server") {
        if (auto ok = read_server_settings(value, base, origin, s.server); !ok) return ok;
      } else if (key == "drop") {
        if (!value.IsMap()) return invalid(where + ": 'drop' is a map (rules, api_url, api_key_env, ca_file)");
        for (const auto& d : value) {
          auto k = d.first.as<std::string>();
          std::string at = origin + ":" + std::to_string(d.first.Mark().line + 1);
          if (k == "rules")
            s.drop_rules_file = relative_to(base, d.second.as<std::string>());
          else if (k == "api_url")
            s.drop_api_url = d.second.as<std::string>();
          else if (k == "api_key_env")
            s.drop_api_key_env = d.second.as<std::string>();
          else if (k == "ca_file")
            s.drop_ca_file = relative_to(base, d.second.as<std::string>()).string();
          else if (k == "api_key")
            return invalid(at + ": the DROP API key must not be written in maestro.yaml: use 'api_key_env: VARIABLE'");
          else
            return invalid(at + ": unknown drop setting '" + k + "' (known: rules, api_url, api_key_env, ca_file)");
        }
      } else if (key == "agents") {
        if (auto ok = read_agent_settings(value, origin, s.agents); !ok) return ok;
      } else if (key == "webhooks") {
        if (auto ok = read_webhooks(value, base, origin, s.webhooks); !ok) return ok;
      } else if (key == "calendars") {
        if (!value.IsSequence()) return invalid(where + ": 'calendars' is a list of calendar files");
        for (const auto& item : value) s.calendar_files.push_back(relative_to(base, item.as<std::string>()));
      } else {
        return invalid(
            where + ": unknown setting '" + key +
            "' (known: home, store, store_password_env, store_password_file, key_file, policy, calendars, datamap, taxonomy, exports_root, organisation, "
            "language, templates_dir, mail, server, drop, workers, webhooks, agents)");
      }
    }
  } catch (const YAML::Exception& e) {
    return invalid(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return {};
}

}  // namespace

// Texts a language falls back to English for: report texts its report.yaml lacks, letters with
// neither an operator's nor a built-in translation. Checked for the installation's language and
// each language folder in templates_dir.
std::vector<std::string> translation_warnings(const Settings& s) {
  std::set<std::string> languages{s.language};
  std::error_code ec;
  if (s.templates_dir) {
    for (const auto& entry : fs::directory_iterator(*s.templates_dir, ec)) {
      if (entry.is_directory()) languages.insert(entry.path().filename().string());
    }
  }
  std::vector<std::string> out;
  for (const auto& language : languages) {
    if (language == "en") continue;
    auto texts = ReportTexts::load(language, s.templates_dir);
    if (texts && !texts->missing_keys().empty()) {
      out.push_back("the report texts in '" + language + "' lack " + std::to_string(texts->missing_keys().size()) +
                    " key(s) (first: " + texts->missing_keys().front() + "): English is used for them");
    }
    std::vector<std::string> english_letters;
    for (const auto& name : letter_names()) {
      if (name == "manual-task") continue;  // to colleagues, in the installation's language
      std::string relative = language + "/" + name + ".mustache";
      bool own = s.templates_dir && fs::exists(*s.templates_dir / relative, ec);
      bool built_in = std::any_of(embedded::files().begin(), embedded::files().end(),
                                  [&](const auto& f) { return f.name == "templates/" + relative; });
      if (!own && !built_in) english_letters.push_back(name);
    }
    if (!english_letters.empty()) {
      std::string list;
      for (const auto& name : english_letters) list += (list.empty() ? "" : ", ") + name;
      out.push_back("no '" + language + "' translation of the letter(s) " + list + ": they are sent in English");
    }
  }
  return out;
}

Result<Settings> load_settings(const SettingsOverrides& overrides) {
  Settings s;
  std::optional<fs::path> home = overrides.home ? overrides.home : env_path("MAESTRO_HOME");
  set_home(s, home.value_or(fs::path(".maestro")));
  std::optional<fs::path> config = overrides.config ? overrides.config : env_path("MAESTRO_CONFIG");
  if (!config) {
    std::error_code ec;
    if (fs::exists(s.home / "maestro.yaml", ec)) {
      config = s.home / "maestro.yaml";
    } else if (!home && !fs::exists(s.home, ec) && fs::exists(MAESTRO_SYSTEM_CONFIG, ec)) {
      // Nothing local: this is a packaged installation's operator.
      config = fs::path(MAESTRO_SYSTEM_CONFIG);
    }
  } else if (std::error_code ec; !fs::exists(*config, ec)) {
    return not_found("configuration file " + config->string() + " does not exist");
  }
  if (config) {
    s.config_file = *config;
    if (auto ok = apply_config_file(s, *config); !ok) return propagate(ok.error());
  }
  if (s.mail_from.empty()) s.mail_from = s.dpo_email;
  // An operator's letter with a syntax error is refused now, naming its file and line, rather
  // than sent blank later.
  if (s.templates_dir) {
    if (auto ok = check_letter_templates(*s.templates_dir); !ok) return propagate(ok.error());
  }
  s.warnings = translation_warnings(s);
  return s;
}

Result<Policy> load_policy(const Settings& settings) {
  std::map<std::string, HolidayCalendar> calendars;
  auto add_calendar = [&](std::string_view text, std::string_view origin) -> Status {
    auto calendar = parse_calendar(text, origin);
    if (!calendar) return propagate(calendar.error());
    calendars[calendar->name()] = std::move(*calendar);
    return {};
  };
  std::string_view policy_text;
  for (const auto& file : embedded::files()) {
    if (file.name.starts_with("calendars/")) {
      if (auto ok = add_calendar(file.content, file.name); !ok) return propagate(ok.error());
    } else if (file.name == "policy/default.yaml") {
      policy_text = file.content;
    }
  }
  for (const auto& path : settings.calendar_files) {
    auto text = read_file(path, "calendar file");
    if (!text) return propagate(text.error());
    if (auto ok = add_calendar(*text, path.string()); !ok) return propagate(ok.error());
  }
  if (settings.policy_file) {
    auto text = read_file(*settings.policy_file, "policy file");
    if (!text) return propagate(text.error());
    return parse_policy(*text, settings.policy_file->string(), std::move(calendars));
  }
  return parse_policy(policy_text, "embedded policy/default.yaml", std::move(calendars));
}

Result<std::unique_ptr<Mailer>> open_mailer(const Settings& settings) {
  if (settings.smtp_url.empty()) return make_eml_mailer(settings.outbox_dir);
  SmtpSettings smtp;
  smtp.url = settings.smtp_url;
  smtp.tls = settings.smtp_tls;
  for (auto [name, target] :
       {std::pair{&settings.smtp_user_env, &smtp.user}, std::pair{&settings.smtp_password_env, &smtp.password}}) {
    if (name->empty()) continue;
    auto value = secret_from_environment(*name, "for mail", ErrorCode::failed_precondition);
    if (!value) return propagate(value.error());
    *target = std::move(*value);
  }
  return make_smtp_mailer(std::move(smtp));
}

Result<std::unique_ptr<Inbox>> open_inbox(const Settings& settings) {
  if (settings.imap_url.empty()) {
    return precondition("no privacy inbox: set mail.imap in maestro.yaml (imaps://USER@HOST/INBOX)");
  }
  ImapSettings imap{settings.imap_url, "", settings.imap_ca_file.string()};
  const std::string what = "for the privacy inbox (mail.imap)";
  if (!settings.imap_password_env.empty()) {
    auto password = secret_from_environment(settings.imap_password_env, what, ErrorCode::failed_precondition);
    if (!password) return propagate(password.error());
    imap.password = *password;
  } else if (!settings.imap_password_file.empty()) {
    auto password = secret_from_file(settings.imap_password_file, what, ErrorCode::failed_precondition);
    if (!password) return propagate(password.error());
    imap.password = *password;
  } else {
    return precondition("the privacy inbox needs its password: mail.imap_password_env or imap_password_file");
  }
  return open_imap_inbox(imap);
}

namespace {

// Where the PostgreSQL store is and its password, from the settings (never from the URL in logs).
Result<PostgresLocation> postgres_location(const Settings& settings, const std::string& url) {
  PostgresLocation where{url, ""};
  const std::string what = "the case store's password";
  Result<std::string> password = std::string();
  if (!settings.store_password_env.empty()) {
    password = secret_from_environment(settings.store_password_env, what, ErrorCode::failed_precondition);
  } else if (!settings.store_password_file.empty()) {
    password = secret_from_file(settings.store_password_file, what, ErrorCode::failed_precondition);
  }
  if (!password) return propagate(password.error());
  where.password = std::move(*password);
  return where;
}

Result<std::unique_ptr<CaseStore>> open_configured_store(const Settings& settings, const KeyRing& keys, bool create) {
  if (settings.store_url.empty()) return open_sqlite_case_store(settings.store_path, keys, create);
  auto where = postgres_location(settings, settings.store_url);
  if (!where) return propagate(where.error());
  return open_postgres_case_store(*where, keys, PostgresOpen::use);
}

}  // namespace

Result<StoreMigration> migrate_case_store(const SettingsOverrides& overrides, const std::string& to,
                                          const std::optional<std::filesystem::path>& from_sqlite) {
  auto settings = load_settings(overrides);
  if (!settings) return propagate(settings.error());
  const std::string url = to.empty() ? settings->store_url : to;
  if (url.empty())
    return invalid("name the PostgreSQL store: --to postgresql://..., or `store:` in maestro.yaml");
  if (!is_postgres_url(url)) return invalid("--to must be a postgresql:// URL (got '" + redacted_postgres_url(url) + "')");
  std::error_code ec;
  if (from_sqlite && !fs::exists(*from_sqlite, ec))
    return not_found("case store " + from_sqlite->string() + " does not exist");
  // Moving a store needs the key it was sealed with; a new installation gets its key here.
  auto keys = load_or_create_key_file(settings->key_file,
                                      from_sqlite ? KeyFileMode::must_exist : KeyFileMode::create_if_missing);
  if (!keys) return propagate(keys.error());
  auto where = postgres_location(*settings, url);
  if (!where) return propagate(where.error());
  StoreMigration done;
  done.target = redacted_postgres_url(url);
  done.schema_version = postgres_schema_version();
  if (!from_sqlite) {
    auto store = open_postgres_case_store(*where, **keys, PostgresOpen::migrate);
    if (!store) return propagate(store.error());
    return done;
  }
  auto copy = copy_sqlite_store_to_postgres(*from_sqlite, *where, **keys);
  if (!copy) return propagate(copy.error());
  done.rows = std::move(copy->rows);
  done.audit_events = copy->audit_events;
  done.audit_head = copy->audit_head;
  return done;
}

namespace {

// The installation's credential vault: one more connection to the case store, opened when a
// connector first needs it and shared by the process's connectors one call at a time.
class StoreCredentialVault final : public CredentialVault {
 public:
  StoreCredentialVault(Settings settings, const KeyRing& keys) : m_settings(std::move(settings)), m_keys(keys) {}

  Result<std::optional<std::string>> load(std::string_view name) override {
    std::lock_guard lock(m_mutex);
    if (auto ok = connect(); !ok) return propagate(ok.error());
    return m_store->connector_credential(name);
  }

  Status save(std::string_view name, std::string_view value) override {
    std::lock_guard lock(m_mutex);
    if (auto ok = connect(); !ok) return ok;
    return m_store->save_connector_credential(name, value);
  }

 private:
  Status connect() {
    if (m_store) return {};
    auto store = open_configured_store(m_settings, m_keys, false);
    if (!store) return propagate(store.error());
    m_store = std::move(*store);
    return {};
  }

  Settings m_settings;
  const KeyRing& m_keys;
  std::mutex m_mutex;
  std::unique_ptr<CaseStore> m_store;  // guarded by m_mutex
};

}  // namespace

Result<Installation> open_installation(const SettingsOverrides& overrides) {
  auto settings = load_settings(overrides);
  if (!settings) return propagate(settings.error());
  auto policy = load_policy(*settings);
  if (!policy) return propagate(policy.error());
  std::error_code ec;
  // A PostgreSQL store is made by `store migrate`, with its key.
  bool store_exists = !settings->store_url.empty() || fs::exists(settings->store_path, ec);
  // A new key for an existing store could never read it: only create the key with the store.
  auto keys = load_or_create_key_file(settings->key_file,
                                      store_exists ? KeyFileMode::must_exist : KeyFileMode::create_if_missing);
  if (!keys) return propagate(keys.error());
  auto store = open_configured_store(*settings, **keys, true);
  if (!store) return propagate(store.error());
  auto vault = std::make_shared<StoreCredentialVault>(*settings, **keys);
  return Installation{std::move(*settings), std::move(*policy), std::move(*keys), std::move(*store),
                      std::make_shared<CredentialVaultInstallation>(std::move(vault))};
}

Result<std::unique_ptr<CaseStore>> open_store_connection(const Installation& installation) {
  return open_configured_store(installation.settings, *installation.keys, false);
}

}  // namespace maestro
