package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] takes the schema from version i to i+1. Append only: a
// released migration is never edited.
var migrations = [][]string{
	schemaV1,
	schemaV2,
	schemaV3,
	schemaV4,
	schemaV5,
	schemaV6,
	schemaV7,
	schemaV8,
}

// schemaV1 keeps times as fixed-width UTC text (timeLayout) so they sort as
// strings, and documents as JSON text. Subjects and attempts use the rowid
// (seq) for "oldest first" and "claim order": rows are never deleted, so it
// only grows.
var schemaV1 = []string{
	`CREATE TABLE incidents (
		id         TEXT PRIMARY KEY,
		status     TEXT NOT NULL,
		facts      TEXT NOT NULL,
		decision   TEXT NOT NULL,
		opened_at  TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE TABLE applied_events (
		event_id    TEXT PRIMARY KEY,
		incident_id TEXT NOT NULL,
		type        TEXT NOT NULL,
		applied_at  TEXT NOT NULL
	)`,
	// Deferred: an event may append the decision before it first puts the
	// incident; the reference is checked at commit.
	`CREATE TABLE decisions (
		incident_id TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,
		version     INTEGER NOT NULL,
		decision    TEXT NOT NULL,
		decided_at  TEXT NOT NULL,
		PRIMARY KEY (incident_id, version)
	)`,
	`CREATE TABLE subjects (
		seq         INTEGER PRIMARY KEY,
		incident_id TEXT NOT NULL REFERENCES incidents(id),
		subject_id  TEXT NOT NULL,
		data        TEXT NOT NULL,
		outcome     TEXT NOT NULL,
		channel     TEXT NOT NULL DEFAULT '',
		updated_at  TEXT NOT NULL,
		UNIQUE (incident_id, subject_id)
	)`,
	`CREATE INDEX subjects_outcome ON subjects (outcome, seq)`,
	`CREATE TABLE attempts (
		seq          INTEGER PRIMARY KEY,
		incident_id  TEXT NOT NULL,
		subject_id   TEXT NOT NULL,
		channel      TEXT NOT NULL,
		status       TEXT NOT NULL,
		provider     TEXT NOT NULL DEFAULT '',
		provider_id  TEXT NOT NULL DEFAULT '',
		template_id  TEXT NOT NULL DEFAULT '',
		locale       TEXT NOT NULL DEFAULT '',
		content_hash TEXT NOT NULL DEFAULT '',
		tries        INTEGER NOT NULL DEFAULT 0,
		error        TEXT NOT NULL DEFAULT '',
		claimed_at   TEXT NOT NULL,
		finished_at  TEXT,
		UNIQUE (incident_id, subject_id, channel),
		FOREIGN KEY (incident_id, subject_id) REFERENCES subjects (incident_id, subject_id)
	)`,
	`CREATE INDEX attempts_claimed ON attempts (seq) WHERE status = 'claimed'`,
	`CREATE TABLE reports (
		incident_id  TEXT NOT NULL REFERENCES incidents(id),
		version      INTEGER NOT NULL,
		regime       TEXT NOT NULL,
		phase        TEXT NOT NULL,
		json         TEXT NOT NULL,
		content_hash TEXT NOT NULL,
		generated_at TEXT NOT NULL,
		PRIMARY KEY (incident_id, version)
	)`,
	`CREATE TABLE notices (
		incident_id  TEXT NOT NULL REFERENCES incidents(id),
		revision     INTEGER NOT NULL,
		json         TEXT NOT NULL,
		published_at TEXT NOT NULL,
		updated_at   TEXT NOT NULL,
		PRIMARY KEY (incident_id, revision)
	)`,
}

// schemaV2 keeps per-incident subject counts, in total (the row with an
// empty jurisdiction) and by the subjects' own jurisdiction, so that a
// decision can follow the people affected without counting a million rows
// per batch. AddSubjects keeps them; the backfill counts what a v1 database
// already held, once. Its UPPER(TRIM()) is jurisdictionKey's normalisation.
var schemaV2 = []string{
	`CREATE TABLE IF NOT EXISTS populations (
		incident_id  TEXT NOT NULL REFERENCES incidents(id),
		jurisdiction TEXT NOT NULL,
		subjects     INTEGER NOT NULL,
		PRIMARY KEY (incident_id, jurisdiction)
	)`,
	// WHERE true: SQLite needs it to parse an upsert after a SELECT.
	`INSERT INTO populations (incident_id, jurisdiction, subjects)
		SELECT incident_id, '', COUNT(*) FROM subjects WHERE true GROUP BY incident_id
		ON CONFLICT (incident_id, jurisdiction) DO UPDATE SET subjects = excluded.subjects`,
	`INSERT INTO populations (incident_id, jurisdiction, subjects)
		SELECT incident_id, UPPER(TRIM(json_extract(data, '$.jurisdiction'))), COUNT(*) FROM subjects
		WHERE TRIM(COALESCE(json_extract(data, '$.jurisdiction'), '')) <> ''
		GROUP BY 1, 2
		ON CONFLICT (incident_id, jurisdiction) DO UPDATE SET subjects = excluded.subjects`,
}

// schemaV3 serves delivery jobs, receipts and retired push tokens.
// subjects.queued marks a subject whose job is on the notifications topic.
// subjects_to_queue holds only subjects still waiting for a job, keyed by
// incident then seq: ToQueue walks it per notifying incident, so neither
// subjects already queued or told nor the pending subjects of an incident
// that does not notify are read on each call. attempts_receipt finds the
// ledger row a provider's receipt names. retired_tokens keeps only the
// SHA-256 (hex) of a push token, never the token.
var schemaV3 = []string{
	`ALTER TABLE subjects ADD COLUMN queued INTEGER NOT NULL DEFAULT 0`,
	`CREATE INDEX subjects_to_queue ON subjects (incident_id, seq)
		WHERE outcome = 'pending' AND queued = 0`,
	`CREATE INDEX attempts_receipt ON attempts (provider, provider_id)
		WHERE provider_id <> ''`,
	`CREATE TABLE retired_tokens (
		token_hash TEXT PRIMARY KEY,
		retired_at TEXT NOT NULL
	) WITHOUT ROWID`,
}

// schemaV4 numbers each write of an incident, so a delivery job can tell
// from one integer that its cached decoding of the incident is current.
var schemaV4 = []string{
	`ALTER TABLE incidents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0`,
}

// schemaV5 holds leases: one process at a time does a named job (the
// enqueuer), however many share the database.
var schemaV5 = []string{
	`CREATE TABLE leases (
		name  TEXT PRIMARY KEY,
		owner TEXT NOT NULL,
		until TEXT NOT NULL
	)`,
}

// schemaV6 remembers which deadline warnings the response team was sent
// (a report phase's clock at 50 %, 80 %, late), so each goes out once
// across restarts and processes sharing the database.
var schemaV6 = []string{
	`CREATE TABLE clock_warnings (
		incident_id TEXT NOT NULL REFERENCES incidents(id),
		regime      TEXT NOT NULL,
		phase       TEXT NOT NULL,
		level       TEXT NOT NULL,
		warned_at   TEXT NOT NULL,
		PRIMARY KEY (incident_id, regime, phase, level)
	) WITHOUT ROWID`,
}

// schemaV7 records what happened after a send: attempts.delivered_at is
// the provider's confirmation that a sent message reached the person
// (NULL until a receipt says so), and report_deliveries is how each report
// version reached each authority, one row per (incident, version,
// authority), so a failed or interrupted delivery is retried and an
// authority's acknowledgement is kept. It never holds an address or a URL.
// Its two partial indexes serve DueReportDeliveries: failed rows by when
// they are due again, pending rows by when their sender last wrote them.
var schemaV7 = []string{
	`ALTER TABLE attempts ADD COLUMN delivered_at TEXT`,
	`CREATE TABLE report_deliveries (
		incident_id     TEXT NOT NULL,
		version         INTEGER NOT NULL,
		authority_id    TEXT NOT NULL,
		method          TEXT NOT NULL,
		status          TEXT NOT NULL,
		tries           INTEGER NOT NULL DEFAULT 0,
		provider        TEXT NOT NULL DEFAULT '',
		reference       TEXT NOT NULL DEFAULT '',
		error           TEXT NOT NULL DEFAULT '',
		next_at         TEXT,
		sent_at         TEXT,
		acknowledged_at TEXT,
		acknowledgement TEXT NOT NULL DEFAULT '',
		updated_at      TEXT NOT NULL,
		PRIMARY KEY (incident_id, version, authority_id),
		FOREIGN KEY (incident_id, version) REFERENCES reports (incident_id, version)
	) WITHOUT ROWID`,
	`CREATE INDEX report_deliveries_retry ON report_deliveries (next_at)
		WHERE status = 'failed'`,
	`CREATE INDEX report_deliveries_stalled ON report_deliveries (updated_at)
		WHERE status = 'pending'`,
}

// schemaV8 keeps facts about the store itself, one value per name. Its
// first is data_key_fingerprint (dataKeyFingerprint): which data key seals
// the subjects, so a store opened with another key, or none, fails at
// open rather than at its first delivery.
var schemaV8 = []string{
	`CREATE TABLE store_meta (
		name  TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
}

// migrate brings the schema up to len(migrations), one version per step,
// inside one write transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("check schema version: database is at %d, this build knows %d", current, len(migrations))
	}
	for v := current; v < len(migrations); v++ {
		if err := applyMigration(ctx, tx, v); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

func applyMigration(ctx context.Context, tx *sql.Tx, v int) error {
	for _, stmt := range migrations[v] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
		return fmt.Errorf("record schema version %d: %w", v+1, err)
	}
	return nil
}
