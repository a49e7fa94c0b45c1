package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// The test that matters: a database an earlier Herald wrote in plaintext,
// left as a crash leaves it (WAL not checkpointed), is resealed; then a
// copy of its files, taken while the store runs or after it closed, holds
// none of the people's contacts, and each delivery still reads its own
// person.
func TestResealPlaintextLeavesNoContactInFiles(t *testing.T) {
	ctx := context.Background()
	const people = 600
	path := legacyDatabase(t, people)
	s := openSealed(t, path, testKey)
	if found := contactsInFiles(t, path, people); found == 0 {
		t.Fatal("the legacy database files hold no contact before the reseal: the scan cannot see them")
	}

	n, err := s.ResealPlaintext(ctx, 100)
	if err != nil || n != people {
		t.Fatalf("ResealPlaintext = %d, %v; want %d, nil", n, err, people)
	}
	var unsealed int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM subjects WHERE substr(data, 1, 4) <> ?`, sealPrefix).Scan(&unsealed); err != nil {
		t.Fatal(err)
	}
	if unsealed != 0 {
		t.Errorf("%d subject rows are not %s after the reseal", unsealed, sealPrefix)
	}
	checkPeople(t, s, people)
	if found := contactsInFiles(t, path, people); found != 0 {
		t.Errorf("while open after the reseal: %d contact values found in the database files", found)
	}
	if n, err := s.ResealPlaintext(ctx, 100); n != 0 || err != nil {
		t.Errorf("second ResealPlaintext = %d, %v; want 0, nil", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if found := contactsInFiles(t, path, people); found != 0 {
		t.Errorf("after close: %d contact values found in the database files", found)
	}
}

// A run cancelled after its first batch keeps that batch sealed and the
// rest readable; the next run seals the rest.
func TestResealPlaintextResumesAfterInterruption(t *testing.T) {
	const people, batch = 250, 100
	s := openSealed(t, plaintextDatabase(t, people), testKey)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.afterResealBatch = cancel
	n, err := s.ResealPlaintext(ctx, batch)
	if n != batch || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ResealPlaintext = %d, %v; want %d, context.Canceled", n, err, batch)
	}
	if left := plaintextRows(t, s); left != people-batch {
		t.Errorf("%d plaintext rows left after the interrupted run, want %d", left, people-batch)
	}
	if !pendingScrub(t, s) {
		t.Errorf("no %s recorded after a run that sealed rows and stopped", scrubPending)
	}
	checkPeople(t, s, people)

	s.afterResealBatch = nil
	if n, err := s.ResealPlaintext(context.Background(), batch); n != people-batch || err != nil {
		t.Errorf("rerun ResealPlaintext = %d, %v; want %d, nil", n, err, people-batch)
	}
	if left := plaintextRows(t, s); left != 0 {
		t.Errorf("%d plaintext rows left after the rerun", left)
	}
	if pendingScrub(t, s) {
		t.Errorf("%s still recorded after a complete run", scrubPending)
	}
	checkPeople(t, s, people)
}

// A run stopped after sealing every row but before its VACUUM leaves the
// plaintext in the file (in space an earlier Herald freed without zeroing
// it: were that no longer so, the VACUUM would no longer be needed); the
// next run seals nothing, but VACUUMs.
func TestResealPlaintextScrubsAfterInterruption(t *testing.T) {
	const people, batch = 600, 300
	path := legacyDatabase(t, people)
	s := openSealed(t, path, testKey)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := 0
	s.afterResealBatch = func() {
		if batches++; batches == people/batch {
			cancel()
		}
	}
	if n, err := s.ResealPlaintext(ctx, batch); n != people || !errors.Is(err, context.Canceled) {
		t.Fatalf("ResealPlaintext cancelled after its last batch = %d, %v; want %d, context.Canceled", n, err, people)
	}
	if found := contactsInFiles(t, path, people); found == 0 {
		t.Error("every row sealed, before the VACUUM: no contact left in the database files")
	}
	s.afterResealBatch = nil
	if n, err := s.ResealPlaintext(context.Background(), batch); n != 0 || err != nil {
		t.Fatalf("rerun ResealPlaintext = %d, %v; want 0, nil", n, err)
	}
	if found := contactsInFiles(t, path, people); found != 0 {
		t.Errorf("after the rerun: %d contact values found in the database files", found)
	}
	if pendingScrub(t, s) {
		t.Errorf("%s still recorded after the rerun", scrubPending)
	}
}

// Two stores on one database (two processes) resealing at once seal each
// row once between them.
func TestResealPlaintextTwoStoresAtOnce(t *testing.T) {
	const people = 1000
	path := plaintextDatabase(t, people)
	stores := []*Store{openSealed(t, path, testKey), openSealed(t, path, testKey)}
	counts := make([]int, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { counts[i], errs[i] = s.ResealPlaintext(context.Background(), 50) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if counts[0]+counts[1] != people {
		t.Errorf("the two runs sealed %d + %d rows, want %d in all", counts[0], counts[1], people)
	}
	checkPeople(t, stores[1], people)
}

// Deliveries go on while the reseal runs, and both finish right.
func TestResealPlaintextBesideDeliveries(t *testing.T) {
	const people, delivered = 1000, 500
	s := openSealed(t, plaintextDatabase(t, people), testKey)
	ctx := context.Background()
	var wg sync.WaitGroup
	deliveryErrs := make(chan error, delivered)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < delivered; i += 8 {
				if err := deliver(ctx, s, fmt.Sprintf("u-%d", i)); err != nil {
					deliveryErrs <- err
				}
			}
		})
	}
	n, err := s.ResealPlaintext(ctx, 50)
	wg.Wait()
	close(deliveryErrs)
	for err := range deliveryErrs {
		t.Error(err)
	}
	if n != people || err != nil {
		t.Fatalf("ResealPlaintext beside deliveries = %d, %v; want %d, nil", n, err, people)
	}
	checkPeople(t, s, people)
	if sent, err := s.CountOutcome(ctx, "INC-1", incident.OutcomeSent); sent != delivered || err != nil {
		t.Errorf("CountOutcome(sent) = %d, %v; want %d", sent, err, delivered)
	}
}

func TestResealPlaintextBatchBounds(t *testing.T) {
	s := openSealed(t, plaintextDatabase(t, 3), testKey)
	for _, batch := range []int{-1, 0, maxResealBatch + 1} {
		n, err := s.ResealPlaintext(context.Background(), batch)
		if n != 0 || incident.ErrorCode(err) != incident.CodeInvalid || !strings.Contains(err.Error(), "batch") {
			t.Errorf("ResealPlaintext(batch %d) = %d, %v; want an invalid batch error", batch, n, err)
		}
	}
	if left := plaintextRows(t, s); left != 3 {
		t.Errorf("a rejected batch size still sealed rows: %d plaintext left, want 3", left)
	}
	for _, batch := range []int{1, maxResealBatch} {
		if _, err := s.ResealPlaintext(context.Background(), batch); err != nil {
			t.Errorf("ResealPlaintext(batch %d): %v", batch, err)
		}
	}
	if left := plaintextRows(t, s); left != 0 {
		t.Errorf("%d plaintext rows left", left)
	}
}

func TestResealPlaintextWithoutKey(t *testing.T) {
	s := openSealed(t, plaintextDatabase(t, 3), nil)
	if n, err := s.ResealPlaintext(context.Background(), 100); n != 0 || !errors.Is(err, ErrNoDataKey) {
		t.Errorf("ResealPlaintext without a key = %d, %v; want 0, ErrNoDataKey", n, err)
	}
	if left := plaintextRows(t, s); left != 3 {
		t.Errorf("%d plaintext rows left, want 3", left)
	}
}

// legacyPerson is fakeContact, and every 20th person also has forty long
// push tokens: a document larger than a page, kept on overflow pages.
func legacyPerson(id string) incident.Subject {
	sub := fakeContact(id)
	var i int
	if _, err := fmt.Sscanf(id, "u-%d", &i); err == nil && i%20 == 0 {
		for k := range 40 {
			sub.PushTokens = append(sub.PushTokens, fmt.Sprintf("tok-%s-%d-%s", id, k, strings.Repeat("p", 120)))
		}
	}
	return sub
}

// legacyDatabase writes people u-0 … u-(n-1) (legacyPerson) as an earlier
// Herald did: in plaintext, without secure_delete, every other one
// delivered (so rewritten, leaving its old cell behind). It returns the
// path of a copy of the database and its WAL taken while that store ran,
// as a crash or a kill leaves them.
func legacyDatabase(t testing.TB, n int) string {
	t.Helper()
	running := filepath.Join(t.TempDir(), "herald.db")
	legacy := openSealed(t, running, nil)
	if _, err := legacy.w.Exec(`PRAGMA secure_delete = 0`); err != nil {
		t.Fatal(err)
	}
	seedPeople(t, legacy, n, legacyPerson)
	for i := 0; i < n; i += 2 {
		if err := legacy.SetOutcome(context.Background(), "INC-1", fmt.Sprintf("u-%d", i),
			incident.OutcomeSent, incident.ChannelEmail); err != nil {
			t.Fatal(err)
		}
	}
	left := filepath.Join(t.TempDir(), "herald.db")
	copyFile(t, running, left)
	copyFile(t, running+"-wal", left+"-wal")
	if err := legacy.Close(); err != nil {
		t.Fatal(err)
	}
	return left
}

// plaintextDatabase is a closed database with people u-0 … u-(n-1)
// (legacyPerson) written without a key.
func plaintextDatabase(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	plain := openSealed(t, path, nil)
	seedPeople(t, plain, n, legacyPerson)
	if err := plain.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// contactsInFiles counts the contact values of people u-0 … u-(n-1)
// (legacyPerson) found in the database files at path.
func contactsInFiles(t *testing.T, path string, n int) int {
	t.Helper()
	files := databaseFiles(t, path)
	found := 0
	for i := range n {
		for _, v := range contactValues(legacyPerson(fmt.Sprintf("u-%d", i))) {
			if bytes.Contains(files, []byte(v)) {
				found++
			}
		}
	}
	return found
}

// contactValues are the values of sub a copy of the database must not hold.
func contactValues(sub incident.Subject) []string {
	return append([]string{sub.Email, sub.Phone, sub.Name}, sub.PushTokens...)
}

// checkPeople reads each of people u-0 … u-(n-1) as a delivery job does
// and wants legacyPerson: a seal bound to the wrong row would not open.
func checkPeople(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		want := legacyPerson(fmt.Sprintf("u-%d", i))
		d, err := s.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: want.ID})
		if err != nil || !reflect.DeepEqual(d.Subject, want) {
			t.Fatalf("Delivery(%s) = %v; want the person as written", want.ID, err)
		}
	}
}

// pendingScrub reports whether a reseal's VACUUM is still to be done.
func pendingScrub(t *testing.T, s *Store) bool {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM store_meta WHERE name = ?`, scrubPending).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// plaintextRows counts the subject rows still stored as plaintext JSON.
func plaintextRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM subjects WHERE substr(data, 1, 1) = '{'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
