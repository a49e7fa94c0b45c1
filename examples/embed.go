// Package examples embeds the demo incident and subjects so that
// `incidentctl demo` works from any directory. go:embed cannot reach parent
// directories, hence this tiny package next to the files.
package examples

import "embed"

// Demo holds demo/incident.json, demo/subjects.jsonl and demo/subjects.csv.
//
//go:embed demo/*
var Demo embed.FS
