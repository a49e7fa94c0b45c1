package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident/store/sqlite"
)

// defaultDataKey is the data key's file in the data directory when
// data_key_file is not set.
const defaultDataKey = "data.key"

// openStore opens the store with the key that seals people's contact
// details (sqlite.Options.DataKey): a copy of the database then holds no
// address, number or token. A key named by data_key_file (mounted from a
// secret store) must exist; without one, a key beside the database is
// created on the first start.
func (m *Main) openStore() (*sqlite.Store, error) {
	keyFile, created := m.Config.DataKeyFile, false
	var key []byte
	var err error
	if keyFile != "" {
		key, err = sqlite.LoadKey(keyFile)
	} else {
		keyFile = filepath.Join(m.Config.DataDir, defaultDataKey)
		key, created, err = sqlite.LoadOrCreateKey(keyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("data_key_file: %w", err)
	}
	if created {
		m.Log.Warn("created a data key beside the database: it protects copies of the database, not this machine; "+
			"mount it from a secret store (data_key_file) and back it up apart from the database",
			zap.String("data_key_file", keyFile))
	}
	st, err := sqlite.OpenWith(filepath.Join(m.Config.DataDir, "herald.db"), sqlite.Options{DataKey: key})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// resealBatch is how many plaintext rows each reseal transaction seals:
// a few milliseconds of the writer.
const resealBatch = 500

// resealInBackground seals, beside deliveries, the people a database
// written before sealing still holds in plaintext (ResealPlaintext; its one
// VACUUM pauses writes once). The returned func stops it and waits, so the
// store closes after it.
func (m *Main) resealInBackground(ctx context.Context, st *sqlite.Store) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		n, err := st.ResealPlaintext(ctx, resealBatch)
		switch {
		case err != nil && ctx.Err() != nil:
			if n > 0 { // stopped mid-way; with nothing sealed there may be nothing to seal
				m.Log.Info("sealing plaintext contact details stopped; the next start finishes it", zap.Int("sealed", n))
			}
		case err != nil:
			m.Log.Warn("sealing plaintext contact details failed; the next start retries", zap.Int("sealed", n), zap.Error(err))
		case n > 0:
			m.Log.Info("sealed contact details an earlier version stored in plaintext",
				zap.Int("sealed", n), zap.Duration("took", time.Since(start)))
		}
	}()
	return func() { cancel(); <-done }
}
