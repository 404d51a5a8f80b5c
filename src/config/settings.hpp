// Where an installation keeps its state, and what it runs with.
//
// Zero configuration: with nothing set, state lives under $MAESTRO_HOME (default ./.maestro/):
// the case store `maestro.db` and the key file `secret.key` (mode 0600), both created at first
// use. A maestro.yaml (--config, $MAESTRO_CONFIG, or $MAESTRO_HOME/maestro.yaml) may override:
//
//   store: /var/lib/maestro/maestro.db   # the case store
//   key_file: /etc/maestro/secret.key    # the installation key
//   policy: policy.yaml                  # replaces the embedded default policy
//   calendars: [calendars/de-by.yaml]    # calendar files added to (or replacing) the embedded ones
//   datamap: datamap.yaml                # where personal data lives (docs/datamap.md)
//   taxonomy: fideslang_data_categories.yml  # data categories the data map is checked against
//   exports_root: /srv/dsar-exports      # local --out folders must lie inside it (default: .)
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

struct Settings {
  std::filesystem::path home;
  std::optional<std::filesystem::path> config_file;
  std::filesystem::path store_path;
  std::filesystem::path key_file;
  std::optional<std::filesystem::path> policy_file;
  std::vector<std::filesystem::path> calendar_files;
  std::optional<std::filesystem::path> datamap_file;
  std::optional<std::filesystem::path> taxonomy_file;
  std::filesystem::path exports_root = ".";
};

struct SettingsOverrides {
  std::optional<std::filesystem::path> home;    // --home, else $MAESTRO_HOME
  std::optional<std::filesystem::path> config;  // --config, else $MAESTRO_CONFIG
};

Result<Settings> load_settings(const SettingsOverrides& overrides);

// The embedded calendars plus the configured ones, then the policy that names them.
Result<Policy> load_policy(const Settings& settings);

// Everything a command needs, opened once. Members are declared in dependency order.
struct Installation {
  Settings settings;
  Policy policy;
  std::unique_ptr<KeyRing> keys;
  std::unique_ptr<CaseStore> store;
};

// Opens the key file and the case store, creating both on first use. A store whose key file is
// missing is an error (a new key could not read it); nothing is created in that case.
Result<Installation> open_installation(const SettingsOverrides& overrides);

}  // namespace maestro
