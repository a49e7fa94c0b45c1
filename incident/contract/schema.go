package contract

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/herald-notify/herald/incident"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas holds the JSON Schema files of the wire contract, so that other
// tools (docs, an HTTP endpoint, outside checks) can serve the very same bytes.
//
//go:embed schema/*.schema.json
var Schemas embed.FS

// SchemaBase is the $id prefix of every schema file.
const SchemaBase = "https://github.com/herald-notify/herald/incident/contract/schema/"

// The compiled schemas Decode validates against. The envelope is checked on its
// own first so that an error in it is reported before one inside data.
type schemaSet struct {
	envelope *jsonschema.Schema
	event    *jsonschema.Schema // envelope plus data by type, as outside tools see it
	opened   *jsonschema.Schema
	facts    *jsonschema.Schema
	subjects *jsonschema.Schema
	closed   *jsonschema.Schema
}

var (
	schemasOnce sync.Once
	compiled    *schemaSet
	compileErr  error
)

// schemas compiles the embedded files once. A failure is a bug in the files,
// which TestSchemasCompile catches.
func schemas() (*schemaSet, error) {
	schemasOnce.Do(func() { compiled, compileErr = compileSchemas() })
	return compiled, compileErr
}

func compileSchemas() (*schemaSet, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	files, err := fs.Glob(Schemas, "schema/*.schema.json")
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	for _, name := range files {
		if err := addSchema(c, name); err != nil {
			return nil, err
		}
	}
	var s schemaSet
	for _, t := range []struct {
		dst **jsonschema.Schema
		loc string
	}{
		{&s.envelope, "event.schema.json#/$defs/envelope"},
		{&s.event, "event.schema.json"},
		{&s.opened, "facts.schema.json#/$defs/opened"},
		{&s.facts, "facts.schema.json"},
		{&s.subjects, "subjects.schema.json"},
		{&s.closed, "closed.schema.json"},
	} {
		if *t.dst, err = c.Compile(SchemaBase + t.loc); err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", t.loc, err)
		}
	}
	return &s, nil
}

func addSchema(c *jsonschema.Compiler, name string) error {
	b, err := Schemas.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read schema %s: %w", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("parse schema %s: %w", name, err)
	}
	base := name[len("schema/"):]
	if err := c.AddResource(SchemaBase+base, doc); err != nil {
		return fmt.Errorf("add schema %s: %w", name, err)
	}
	return nil
}

// dataSchema picks the schema for the data of an event type.
func (s *schemaSet) dataSchema(eventType string) *jsonschema.Schema {
	switch eventType {
	case incident.TypeOpened:
		return s.opened
	case incident.TypeUpdated:
		return s.facts
	case incident.TypeSubjects:
		return s.subjects
	case incident.TypeClosed:
		return s.closed
	}
	return nil
}

// validate checks doc against sch and turns the first failure into an
// incident.Invalid error whose field path starts at root.
func validate(sch *jsonschema.Schema, doc any, root string) error {
	err := sch.Validate(doc)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("validate %s: %w", root, err)
	}
	return invalidFrom(verr, doc, root)
}
