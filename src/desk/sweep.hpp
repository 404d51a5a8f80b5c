// The daily sweep (maestro dsar sweep, the maestro-sweep timer, and `sweep` jobs): reminds
// requesters who have not proved their identity, closes requests left unverified too long,
// reminds the owners of overdue manual tasks, and retries the outbox.
//
//   Correspondence mail(desk, mailer, settings);
//   SweepReport r = *run_sweep(desk, mail);   // r.actions: what was done to which case
#pragma once

#include <string>
#include <vector>

#include "desk/correspondence.hpp"
#include "desk/desk.hpp"

namespace maestro {

struct SweepAction {
  std::string case_number;
  std::string action;  // reminded, closed-unverified, task #N owner reminded
};

struct SweepReport {
  std::vector<SweepAction> actions;
  SendReport outbox;
  std::vector<std::string> warnings;  // letters that could not be sent; the case changes stand
};

// Uses the policy's verification.reminder_after and expire_after. A letter that cannot be sent
// is a warning, not a failure: the case change it belongs to is kept and the outbox retries.
Result<SweepReport> run_sweep(Desk& desk, Correspondence& mail);

}  // namespace maestro
