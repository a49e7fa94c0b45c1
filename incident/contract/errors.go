package contract

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/herald-notify/herald/incident"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// A failure is one leaf of a schema validation error: where it is and what
// rule it broke. Reasons are written here, never taken from the library,
// because its messages quote the offending values and subjects' values are
// contact details.
type failure struct {
	loc  []string // instance location, JSON pointer tokens
	kind jsonschema.ErrorKind
}

// invalidFrom reports the first failing field of verr as incident.Invalid.
// "First" is the smallest instance location (array indexes compared as
// numbers), and a missing property before the problems of its siblings: the
// same input always names the same field.
func invalidFrom(verr *jsonschema.ValidationError, doc any, root string) error {
	leaves := collect(verr, nil)
	slices.SortStableFunc(leaves, compareFailures)
	first := leaves[0]
	loc, reason := explain(first)
	field := fieldPath(root, loc, doc)
	if field == "" {
		field = "body" // the value as a whole
	}
	return incident.Invalid(field, "%s", reason)
}

func collect(e *jsonschema.ValidationError, out []failure) []failure {
	if len(e.Causes) == 0 {
		return append(out, failure{loc: e.InstanceLocation, kind: e.ErrorKind})
	}
	for _, c := range e.Causes {
		out = collect(c, out)
	}
	return out
}

func compareFailures(a, b failure) int {
	for i := 0; i < len(a.loc) && i < len(b.loc); i++ {
		if c := compareToken(a.loc[i], b.loc[i]); c != 0 {
			return c
		}
	}
	if c := len(a.loc) - len(b.loc); c != 0 {
		return c
	}
	return rank(a.kind) - rank(b.kind)
}

func compareToken(a, b string) int {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	if aerr == nil && berr == nil {
		return ai - bi
	}
	return strings.Compare(a, b)
}

// rank orders failures at one location: say what is missing, then what has
// the wrong type, then anything else.
func rank(k jsonschema.ErrorKind) int {
	switch k.(type) {
	case *kind.Required:
		return 0
	case *kind.Type:
		return 1
	}
	return 2
}

// explain returns the location of the failing field (a missing property is
// below the object that lacks it) and a short reason without values.
func explain(f failure) ([]string, string) {
	switch k := f.kind.(type) {
	case *kind.Required:
		// Missing lists properties in the schema's order of "required".
		return append(slices.Clone(f.loc), k.Missing[0]), "is required"
	case *kind.UniqueItems:
		return append(slices.Clone(f.loc), strconv.Itoa(k.Duplicates[1])), "repeats an earlier item"
	}
	return f.loc, reasonFor(f.kind)
}

func reasonFor(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return "must be " + typeNames(k.Want)
	case *kind.Enum:
		return "must be one of " + joinValues(k.Want)
	case *kind.Const:
		return fmt.Sprintf("must be %v", k.Want)
	case *kind.Format:
		return formatReason(k.Want)
	case *kind.Pattern:
		return "must match " + k.Want
	}
	if r := sizeReason(k); r != "" {
		return r
	}
	return "is invalid"
}

func sizeReason(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d item(s)", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.Minimum:
		return "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return "must be at most " + k.Want.RatString()
	case *kind.PropertyNames:
		return "has a key that is empty or too long"
	}
	return ""
}

var articles = map[string]string{
	"object": "an object", "array": "an array", "string": "a string",
	"number": "a number", "integer": "an integer", "boolean": "true or false",
}

// typeNames lists wanted JSON types; null is left out because it only ever
// means "unknown" and is not what a sender forgot.
func typeNames(want []string) string {
	var names []string
	for _, w := range want {
		if w == "null" {
			continue
		}
		if a, ok := articles[w]; ok {
			w = a
		}
		names = append(names, w)
	}
	return strings.Join(names, " or ")
}

func joinValues(want []any) string {
	var vs []string
	for _, w := range want {
		if w != nil {
			vs = append(vs, fmt.Sprint(w))
		}
	}
	return strings.Join(vs, ", ")
}

func formatReason(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date-time"
	case "uri-reference":
		return "must be a URI reference"
	}
	return "must be a valid " + format
}

// fieldPath renders a location as a dotted path with [i] for array indexes,
// e.g. data.subjects[3].channels[0]. It walks doc to tell an array index from
// an object key that happens to be numeric.
func fieldPath(root string, loc []string, doc any) string {
	var b strings.Builder
	b.WriteString(root)
	cur := doc
	for _, tok := range loc {
		switch v := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			i, err := strconv.Atoi(tok)
			cur = nil
			if err == nil && i >= 0 && i < len(v) {
				cur = v[i]
			}
			continue
		case map[string]any:
			cur = v[tok]
		default:
			cur = nil
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
