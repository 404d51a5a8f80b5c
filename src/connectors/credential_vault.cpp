#include "connectors/credential_vault.hpp"

#include <mutex>

namespace maestro {

namespace {

std::mutex g_vault_mutex;
std::shared_ptr<CredentialVault> g_vault;  // guarded by g_vault_mutex

}  // namespace

std::shared_ptr<CredentialVault> credential_vault() {
  std::lock_guard lock(g_vault_mutex);
  return g_vault;
}

CredentialVaultInstallation::CredentialVaultInstallation(std::shared_ptr<CredentialVault> vault)
    : m_vault(std::move(vault)) {
  std::lock_guard lock(g_vault_mutex);
  m_previous = g_vault;
  g_vault = m_vault;
}

CredentialVaultInstallation::~CredentialVaultInstallation() {
  std::lock_guard lock(g_vault_mutex);
  // Installations end in reverse order; one that outlived a later one leaves that one in place.
  if (g_vault == m_vault) g_vault = m_previous;
}

}  // namespace maestro
