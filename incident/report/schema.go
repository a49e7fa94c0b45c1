package report

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of a regulator report as
// Herald serves, mails and posts it (REPORTS.md): embedded so the API,
// the docs and the tests use the very same bytes.
//
//go:embed report.schema.json
var Schema []byte

// SchemaID is the schema's $id, under which a validator registers Schema.
const SchemaID = "https://github.com/herald-notify/herald/incident/report/report.schema.json"
