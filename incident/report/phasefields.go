package report

import (
	"slices"

	"github.com/herald-notify/herald/incident"
)

// The fields RULES.md §6 asks for beyond the initial notification's:
// other authorities told, the threat, how recovery stands, and at closure
// the final impact.

// otherAuthorities are the authorities of the incident's other required
// obligations, sorted (RULES.md §6 initial: authorities notified): the
// form asks which other authorities hear of the breach; [] when none.
func otherAuthorities(d incident.Decision, own incident.Obligation) []string {
	out := []string{}
	for _, ob := range d.Obligations {
		if ob.Required && ob.Regime != own.Regime && ob.Authority != "" && !slices.Contains(out, ob.Authority) {
			out = append(out, ob.Authority)
		}
	}
	slices.Sort(out)
	return out
}

// threatType is who caused the breach, as the team stated it: external,
// insider, accidental, or unknown (RULES.md §6 final: threat type).
func threatType(b *incident.Breach) string {
	if b == nil || b.Actor == "" {
		return "unknown"
	}
	return b.Actor
}

// recoveryStatus is how recovery stands (RULES.md §6 follow-up): contained
// or not, what happened to availability, how long a restore took, and
// whether a backup was there to restore from.
func recoveryStatus(f incident.Facts) map[string]any {
	status := map[string]any{"contained": f.ContainedAt != nil, "availability": "unknown", "restore_hours": nil,
		"backup_available": "unknown"}
	if b := f.Breach; b != nil {
		if b.Availability != "" {
			status["availability"] = b.Availability
		}
		if b.RestoreHours != nil {
			status["restore_hours"] = *b.RestoreHours
		}
	}
	if f.Data != nil && f.Data.Protection != nil && f.Data.Protection.BackupAvailable != nil {
		status["backup_available"] = *f.Data.Protection.BackupAvailable
	}
	return status
}

// finalImpact is the impact at closure (RULES.md §6 final: final impact),
// as stated; nil when the team stated none.
func finalImpact(i *incident.Impact) any {
	if i == nil {
		return nil
	}
	return map[string]any{"service_disruption_hours": i.ServiceDisruptionHours, "financial_loss_eur": i.FinancialLossEUR,
		"fraud_observed": fraudObserved(i)}
}

func fraudObserved(i *incident.Impact) any {
	if i.FraudObserved == nil {
		return "unknown"
	}
	return *i.FraudObserved
}
