package policy

// Ref names the policy a decision rests on: its id and the first twelve
// hex digits of its content hash, e.g. "herald-default-2026-11@3f2a9c01b7de".
func (p *Policy) Ref() string {
	h := p.Hash
	if len(h) > 12 {
		h = h[:12]
	}
	return p.ID + "@" + h
}
