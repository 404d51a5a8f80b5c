// Where an installation keeps its state, and what it runs with.
//
// Zero configuration: with nothing set, state lives under $MAESTRO_HOME (default ./.maestro/):
// the case store `maestro.db` and the key file `secret.key` (mode 0600), both created at first
// use. A maestro.yaml (--config, $MAESTRO_CONFIG, or $MAESTRO_HOME/maestro.yaml; with none of these
// and no ./.maestro, the system's /etc/maestro/maestro.yaml of a packaged installation) may override:
//
//   home: /var/lib/maestro               # moves the defaults below (store, key, outbox, work)
//   store: /var/lib/maestro/maestro.db   # the case store: a SQLite file, or PostgreSQL:
//   store: postgresql://maestro@db.example.com/maestro?sslmode=verify-full
//   store_password_env: MAESTRO_STORE_PASSWORD  # its password (or store_password_file: a file;
//                                        # without either, libpq's own: PGPASSWORD, ~/.pgpass)
//   key_file: /etc/maestro/secret.key    # the installation key
//   policy: policy.yaml                  # replaces the embedded default policy
//   calendars: [calendars/de-by.yaml]    # calendar files added to (or replacing) the embedded ones
//   datamap: datamap.yaml                # where personal data lives (docs/datamap.md)
//   taxonomy: fideslang_data_categories.yml  # data categories the data map is checked against
//   exports_root: /srv/dsar-exports      # local --out folders must lie inside it (default: .)
//   organisation: {name: Example Ltd, dpo_email: dpo@example.com}   # named in letters
//     (also address, email: the controller's contact; dpo_name; all given in access reports)
//   language: en                         # letters' default language
//   templates_dir: templates             # operator's own letter templates (<lang>/<name>.mustache)
//   mail:                                # without it, letters are written as .eml files
//     from: dpo@example.com
//     smtp: smtp://mail.example.com:587  # or smtps://...:465
//     tls: required                      # try (default), required, none
//     user_env: SMTP_USER                # credentials from the environment, never inline
//     password_env: SMTP_PASSWORD
//     outbox_dir: outbox                 # where .eml files go without smtp (default <home>/outbox)
//   server:                              # maestro serve (docs/api.md); flags override
//     listen: 127.0.0.1:8080
//     public_url: https://privacy.example.com   # the address mailed links use
//     tls_cert: cert.pem                 # with tls_key: HTTPS
//     tls_key: key.pem
//     trusted_proxies: [127.0.0.1]       # X-Forwarded-For/-Proto believed only from these
//     sweep_hour: 6                      # daily sweep, UTC; -1: none (left to a timer)
//     session_idle_minutes: 30           # dashboard sessions end after this long unused ...
//     session_hours: 12                  # ... and this long after login in any case
//     download_hours: 48                 # the requester's download window after delivery
//     download_limit: 5                  # downloads allowed in it
//     portal_questions:                  # the portal's second check (answers matched to the person's records)
//       - {field: orders.id, question: "The number of one of your orders"}
//
// Relative paths are relative to the maestro.yaml that names them.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cases/policy.hpp"
#include "common/time.hpp"
#include "crypto/keyring.hpp"
#include "store/case_store.hpp"

namespace maestro {

// The `server:` section: how `maestro serve` listens and what its links and sessions are.
struct ServerSettings {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;  // empty: http(s)://<listen>
  std::filesystem::path tls_cert, tls_key;
  std::vector<std::string> trusted_proxies;  // client addresses whose X-Forwarded-* are believed
  int sweep_hour = 6;                        // -1: no daily sweep in the service
  int session_idle_minutes = 30;
  int session_hours = 12;
  int download_hours = 48;  // the requester may download the package this long after delivery
  int download_limit = 5;   // ... at most this many times
  // The portal's second check: questions about the person's own records, each naming the data
  // map field its answer is compared with ("orders.id" or "shop.orders.id").
  struct Question {
    std::string field;
    std::string question;
  };
  std::vector<Question> portal_questions;
};

// Requests from authorized agents through the Data Rights Protocol (`agents:` in maestro.yaml,
// desk/drp.hpp). The endpoints are served only when business_id is set.
struct AgentSettings {
  std::string business_id;         // this business's id in the agents' directory
  std::string base_path = "/drp";  // where `maestro serve` answers DRP (…/v1/agent/{id}, …)
  std::string jurisdiction = "ccpa";
  int clock_skew_seconds = 60;  // how far in the future a message's issued-at may be
};

// One receiver of Maestro's events (`webhooks:` in maestro.yaml, docs/integrations.md).
struct WebhookSettings {
  std::string name;                 // lower-case letters, digits, '-' or '_'
  std::string url;                  // https://..., or http:// to a loopback address
  std::vector<std::string> events;  // notify/webhooks.hpp's webhook_event_types()
  std::string secret_env;           // the signing secret: an environment variable, or
  std::filesystem::path secret_file;  // a file whose first line it is
  std::string format = "json";        // json (signed event documents) or slack ({"text": ...})
  bool personal_data = false;         // the requester's name and email go with case events
  int due_soon_days = 7;              // case.due_soon fires this many days before the legal deadline
};

struct Settings {
  std::filesystem::path home;
  std::optional<std::filesystem::path> config_file;
  std::filesystem::path store_path;
  std::string store_url;  // postgresql://...: the store is PostgreSQL, store_path unused
  std::string store_password_env;
  std::filesystem::path store_password_file;
  std::filesystem::path key_file;
  std::optional<std::filesystem::path> policy_file;
  std::optional<std::filesystem::path> drop_rules_file;  // DROP's hashing rules; default: embedded
  std::string drop_api_url = "https://api.drop.privacy.ca.gov";
  std::string drop_api_key_env = "DROP_API_KEY";  // the variable holding the broker's key
  std::string drop_ca_file;
  std::vector<std::filesystem::path> calendar_files;
  std::optional<std::filesystem::path> datamap_file;
  std::optional<std::filesystem::path> taxonomy_file;
  std::filesystem::path exports_root = ".";
  // Letters and mail.
  std::string organisation = "our organisation";
  std::string dpo_email = "dpo@example.com";
  // The controller's and the DPO's contact, given in every access report (Art. 13/15).
  std::string organisation_address, organisation_email, dpo_name;
  std::string language = "en";
  std::optional<std::filesystem::path> templates_dir;
  // Found while loading, for the operator: texts that fall back to English ("templates/it lacks
  // the letter refusal: it is sent in English"). Front ends print or log them.
  std::vector<std::string> warnings;
  std::string mail_from;  // default: dpo_email
  std::string mail_reply_to;  // where replies go (the privacy inbox's address); default: mail_from
  std::string smtp_url;   // empty: write .eml files
  std::string smtp_tls = "try";
  std::string smtp_user_env, smtp_password_env;
  std::filesystem::path outbox_dir;  // default: <home>/outbox
  // The privacy inbox (mail.imap): imaps://user@host/FOLDER, its password from a variable or a
  // file, a CA to trust for a private server; confident requests logged at once; a size limit.
  std::string imap_url;
  std::string imap_password_env;
  std::filesystem::path imap_password_file;
  std::filesystem::path imap_ca_file;
  bool imap_auto_log = false;
  int max_message_mb = 25;
  std::string imap_processed_folder = "Maestro/Processed";  // where recorded messages go
  std::string imap_ignored_folder = "Maestro/Ignored";      // and machine mail
  ServerSettings server;
  AgentSettings agents;
  // `workers: external`: jobs run in `maestro worker` processes (on this or other machines
  // sharing the store). Commands that do long work (export, delete, delete-batch, export-batch,
  // drop match) then queue a job instead of running it, and `serve` runs no worker threads.
  bool workers_external = false;
  std::vector<WebhookSettings> webhooks;
};

struct SettingsOverrides {
  std::optional<std::filesystem::path> home;    // --home, else $MAESTRO_HOME
  std::optional<std::filesystem::path> config;  // --config, else $MAESTRO_CONFIG
};

Result<Settings> load_settings(const SettingsOverrides& overrides);

// The embedded calendars plus the configured ones, then the policy that names them.
Result<Policy> load_policy(const Settings& settings);

class CredentialVaultInstallation;
// Everything a command needs, opened once. Members are declared in dependency order.
struct Installation {
  Settings settings;
  Policy policy;
  std::unique_ptr<KeyRing> keys;
  std::unique_ptr<CaseStore> store;
  // While the installation is open, connectors keep their OAuth2 tokens sealed in its case store
  // (through a connection of their own: connectors/credential_vault.hpp).
  std::shared_ptr<CredentialVaultInstallation> credential_vault;
};

class Mailer;
class Inbox;
// The privacy inbox `mail.imap` names (failed_precondition when none is configured).
Result<std::unique_ptr<Inbox>> open_inbox(const Settings& settings);
// The mailer the settings name: SMTP when `mail.smtp` is set, else .eml files in outbox_dir.
Result<std::unique_ptr<Mailer>> open_mailer(const Settings& settings);

// Opens the key file and the case store, creating both on first use. A store whose key file is
// missing is an error (a new key could not read it); nothing is created in that case.
Result<Installation> open_installation(const SettingsOverrides& overrides);

// What a `store migrate` did: the tables copied (none when it only created or upgraded the
// schema), and the audit trail it verified on the new store.
struct StoreMigration {
  std::string target;  // the PostgreSQL store, without its password
  int schema_version = 0;
  std::vector<std::pair<std::string, std::int64_t>> rows;
  std::int64_t audit_events = 0;
  std::string audit_head;
};

// Creates or upgrades the PostgreSQL schema at `to` (empty: maestro.yaml's `store:`), and with
// `from_sqlite` set, moves that SQLite store's contents there (an empty database only), the
// audit trail verified before the move commits. Creates the key file for a new installation.
Result<StoreMigration> migrate_case_store(const SettingsOverrides& overrides, const std::string& to,
                                          const std::optional<std::filesystem::path>& from_sqlite);

// One more connection to the installation's case store, for another thread (a CaseStore is used
// from one thread at a time). The store must exist already.
Result<std::unique_ptr<CaseStore>> open_store_connection(const Installation& installation);

}  // namespace maestro
