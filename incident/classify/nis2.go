package classify

import (
	"fmt"

	"github.com/herald-notify/herald/incident"
)

// NIS2 significance (Art. 23(3) NIS2): severe operational disruption of the
// services or financial loss for the entity, or considerable material or
// non-material damage to others. Commission Implementing Regulation (EU)
// 2024/2690 sets numbers for the digital-infrastructure and digital-provider
// entities it covers; any one criterion met makes an incident significant.
// Its general criteria, Art. 3(1):
//
//	(a) direct financial loss over EUR 500,000 or 5% of the entity's annual
//	    turnover, whichever is lower;
//	(b) exfiltration of trade secrets (Directive (EU) 2016/943);
//	(c) death of a natural person;
//	(d) considerable damage to a natural person's health;
//	(e) successful, suspectedly malicious and unauthorised access to network
//	    and information systems, capable of causing severe operational
//	    disruption;
//	(g) the entity-specific criteria of Arts. 5-14.
//
// What the facts carry, and how each is read:
//   - loss: over EUR 500,000. The facts carry no turnover, so the 5% limb,
//     lower for an entity turning over less than EUR 10 million, cannot be
//     applied: a person must check a smaller loss.
//   - disruption: Arts. 5, 7, 9, 10 and 11 count a service completely
//     unavailable for more than 30 minutes; a degraded one counts after an
//     hour. The facts do not say complete or degraded, so the hours are read
//     as a complete outage: more than half an hour. Trust services (20
//     minutes, Art. 14) and data centres (any complete outage, Art. 8) are
//     stricter; the facts carry no sector to tell them apart.
//   - malicious access: (e), and the entity-specific rule that data whose
//     confidentiality or integrity was compromised by a suspectedly
//     malicious action is significant (e.g. Arts. 7(c), 8(c)).
//   - health: data needed for people's care made unavailable is capable of
//     considerable damage to health, (d) (01/2021 case 3: surgeries put off).
//   - damage to others: a likely high risk to people under GDPR is the
//     considerable non-material damage of Art. 23(3)(b).
//
// Trade secrets and death have no fact; scheduled maintenance, which
// Art. 3(2) excludes, has none either.
const (
	nis2DisruptionHours = 0.5
	nis2LossEUR         = 500_000
)

func significance(v view, d incident.Decision) []string {
	var why []string
	if v.disruption > nis2DisruptionHours {
		why = append(why, fmt.Sprintf("service disrupted %s h (> 30 min, IR 2024/2690 Arts. 5-11)", num(v.disruption)))
	}
	if v.loss > nis2LossEUR {
		why = append(why, fmt.Sprintf("financial loss EUR %s (> 500000, IR 2024/2690 Art. 3(1)(a))", num(v.loss)))
	}
	altered := v.integrity == alteredRecover || v.integrity == alteredLost
	if v.malicious && (v.lost() || altered) {
		why = append(why, "suspectedly malicious unauthorised access compromising data (IR 2024/2690 Art. 3(1)(e))")
	}
	if v.personal && v.care() && (v.availability == temporary || v.availability == permanent) {
		why = append(why, "data needed for people's care unavailable: capable of considerable damage to health (IR 2024/2690 Art. 3(1)(d))")
	}
	if d.Risk == incident.RiskHigh {
		why = append(why, "likely high risk to people: considerable damage to others (Art. 23(3)(b))")
	}
	return why
}
