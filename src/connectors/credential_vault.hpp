// CredentialVault: where connectors keep what a provider hands them at run time (an OAuth2
// access token, the next refresh token of a provider that rotates them), so that the next run
// (another command, another worker, another machine) starts from it rather than from the
// refresh token the operator configured once, which such a provider no longer accepts.
//
// The installation's vault keeps them sealed in the case store (config/settings.cpp installs it
// while an Installation is open). Without one, a connector keeps them for its own life only.
//
//   if (auto vault = credential_vault()) vault->save(name, sealed_text_of_the_tokens);
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

class CredentialVault {
 public:
  virtual ~CredentialVault() = default;
  // What was saved under `name`, or nullopt. Thread-safe.
  virtual Result<std::optional<std::string>> load(std::string_view name) = 0;
  // Replaces what `name` held. Thread-safe.
  virtual Status save(std::string_view name, std::string_view value) = 0;
};

// The process's vault, or null when none is installed.
std::shared_ptr<CredentialVault> credential_vault();

// Installs `vault` for as long as this object lives; the one installed before comes back after.
class CredentialVaultInstallation {
 public:
  explicit CredentialVaultInstallation(std::shared_ptr<CredentialVault> vault);
  ~CredentialVaultInstallation();
  CredentialVaultInstallation(const CredentialVaultInstallation&) = delete;
  CredentialVaultInstallation& operator=(const CredentialVaultInstallation&) = delete;

 private:
  std::shared_ptr<CredentialVault> m_vault;
  std::shared_ptr<CredentialVault> m_previous;
};

}  // namespace maestro
