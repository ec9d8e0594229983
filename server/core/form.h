#pragma once
// Campaign forms (R-FORM-1/2): what data a form accepts, and which forms a
// user may open without an interaction.
#include <map>
#include <string>

#include "core/campaign_settings.h"
#include "core/error.h"
#include "core/ids.h"

namespace contactd::core {

using FormFields = std::map<std::string, std::string>;

// Size limits for any form data, saved or not: at most 100 fields, keys of 1
// to 64 bytes, 64 KiB in all.
MaybeError check_form_limits(const FormFields& fields);

// Data saved with an internal form: only its fields, each valid for its type
// (number: decimal; date: YYYY-MM-DD; choice: one of the choices; checkbox:
// "true" or "false"), required fields present and not blank. External forms
// accept any fields within the limits. REQUIRES: form.kind is internal or external.
MaybeError check_form_data(const FormSettings& form, const FormFields& fields);

// One entry of the manual-access list (R-FORM-2).
struct ManualForm {
  CampaignId campaign{};
  FormKind kind{};
  std::string label;  // "Form name – Campaign name" or "Form URL – Campaign name"
  std::string url;    // external forms
};

// "Form name – Campaign name" (external forms: the URL instead of the name).
std::string manual_form_label(const FormSettings& form, const std::string& campaign_name);

}  // namespace contactd::core
