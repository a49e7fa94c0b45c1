package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/store/storetest"
)

// testKey is a fixed data key; otherKey is a different one.
var (
	testKey  = bytes.Repeat([]byte{0x42}, KeySize)
	otherKey = bytes.Repeat([]byte{0x17}, KeySize)
)

func openSealed(t testing.TB, path string, key []byte) *Store {
	t.Helper()
	s, err := OpenWith(path, Options{DataKey: key})
	if err != nil {
		t.Fatalf("OpenWith: %v", err)
	}
	t.Cleanup(func() { s.Close() }) // a second Close is harmless
	return s
}

func TestConformanceSealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSealed(t, filepath.Join(t.TempDir(), "herald.db"), testKey)
	})
}

func TestSealedSubjectsRoundTrip(t *testing.T) {
	s := openSealed(t, filepath.Join(t.TempDir(), "herald.db"), testKey)
	seedContacts(t, s, 3)
	for i := range 3 {
		want := fakeContact(fmt.Sprintf("u-%d", i))
		d, err := s.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: want.ID})
		if err != nil {
			t.Fatalf("Delivery(%s): %v", want.ID, err)
		}
		if !reflect.DeepEqual(d.Subject, want) {
			t.Errorf("Delivery(%s) subject = %#v, want %#v", want.ID, d.Subject, want)
		}
	}
	if doc := storedData(t, s, "u-0"); !strings.HasPrefix(doc, sealPrefix) {
		t.Errorf("stored data starts %.10q, want the %s prefix", doc, sealPrefix)
	}
}

// The test that matters: a copy of the database files, taken while the
// store runs or after it closed, holds none of the subjects' contacts. The
// same check on a store without a key finds them, so it can see them.
func TestDatabaseFilesHoldNoContacts(t *testing.T) {
	const people = 500
	for _, c := range []struct {
		name      string
		key       []byte
		wantFound bool
	}{{"sealed", testKey, false}, {"plaintext", nil, true}} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "herald.db")
			s := openSealed(t, path, c.key)
			seedContacts(t, s, people)
			checkFiles := func(when string) {
				t.Helper()
				files := databaseFiles(t, path)
				found := 0
				for i := range people {
					sub := fakeContact(fmt.Sprintf("u-%d", i))
					for _, v := range append([]string{sub.Email, sub.Phone, sub.Name}, sub.PushTokens...) {
						if bytes.Contains(files, []byte(v)) {
							found++
						}
					}
				}
				if got := found > 0; got != c.wantFound {
					t.Errorf("%s: %d contact values found in the database files (%d bytes); want found = %v",
						when, found, len(files), c.wantFound)
				}
			}
			checkFiles("while open")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			checkFiles("after close")
		})
	}
}

// databaseFiles returns the bytes of the database file and of its -wal
// and -shm files where present.
func databaseFiles(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(name)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatal("no database file to read")
	}
	return all
}

// A database written before sealing (or without a key) still reads once a
// key is given; the subjects added from then on are sealed, and the
// database no longer opens without the key.
func TestLegacyPlaintextStillReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	plain := openSealed(t, path, nil)
	seedContacts(t, plain, 2)
	if doc := storedData(t, plain, "u-0"); !strings.HasPrefix(doc, "{") {
		t.Fatalf("without a key stored data starts %.10q, want plaintext JSON", doc)
	}
	plain.Close()

	s := openSealed(t, path, testKey)
	addSubject(t, s, "ev-new", fakeContact("u-new"))
	for _, id := range []string{"u-0", "u-1", "u-new"} {
		d, err := s.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: id})
		if err != nil || !reflect.DeepEqual(d.Subject, fakeContact(id)) {
			t.Errorf("Delivery(%s) with a key = %#v, %v", id, d.Subject, err)
		}
	}
	if doc := storedData(t, s, "u-new"); !strings.HasPrefix(doc, sealPrefix) {
		t.Errorf("a subject added with a key is stored %.10q…, want sealed", doc)
	}
	s.Close()
	if again, err := Open(path); err == nil {
		again.Close()
		t.Fatal("Open without a key accepted a database holding sealed subjects")
	} else if !errors.Is(err, ErrDataKey) {
		t.Errorf("Open without a key: %v; want ErrDataKey", err)
	}
}

func TestWrongKeyFailsAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	seedContacts(t, openSealed(t, path, testKey), 1)
	for _, c := range []struct {
		name string
		key  []byte
	}{{"other key", otherKey}, {"no key", nil}} {
		s, err := OpenWith(path, Options{DataKey: c.key})
		if err == nil {
			s.Close()
			t.Fatalf("%s: OpenWith accepted it", c.name)
		}
		if !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), keyFingerprint(testKey)) {
			t.Errorf("%s: OpenWith = %v; want ErrDataKey naming the fingerprint %s", c.name, err, keyFingerprint(testKey))
		}
	}
	// The key it was sealed with still opens it.
	s := openSealed(t, path, testKey)
	if _, err := s.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-0"}); err != nil {
		t.Errorf("Delivery with the right key: %v", err)
	}
}

func TestOpenWithRejectsBadKeyLength(t *testing.T) {
	for _, key := range [][]byte{{}, make([]byte, 16), make([]byte, KeySize+1)} {
		s, err := OpenWith(filepath.Join(t.TempDir(), "herald.db"), Options{DataKey: key})
		if err == nil {
			s.Close()
			t.Errorf("OpenWith accepted a %d-byte key", len(key))
		} else if incident.ErrorCode(err) != incident.CodeInvalid {
			t.Errorf("OpenWith with a %d-byte key = %v; want an invalid data_key error", len(key), err)
		}
	}
}

// Where the fingerprint check cannot help (it was lost, or another process
// opened the database without a key before the first key was recorded), a
// subject that does not open fails its read, naming the subject and none
// of its data.
func TestSubjectThatDoesNotOpenFailsClearly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	keyless := openSealed(t, path, nil) // opened before any key was recorded
	s := openSealed(t, path, testKey)
	seedContacts(t, s, 3)

	// Without a key.
	checkDataKeyError(t, keyless, "u-0", "without a key")

	// A sealed row copied onto another subject's row does not open there.
	if _, err := s.w.Exec(`UPDATE subjects SET data = (SELECT data FROM subjects WHERE subject_id = 'u-0')
		WHERE subject_id = 'u-1'`); err != nil {
		t.Fatal(err)
	}
	checkDataKeyError(t, s, "u-1", "copied from u-0")
	if _, err := s.Delivery(ctx, store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-0"}); err != nil {
		t.Errorf("Delivery(u-0), whose seal was copied: %v", err)
	}

	// With another key, once the fingerprint is gone.
	s.Close()
	keyless.Close()
	forget := openSealed(t, path, testKey)
	if _, err := forget.w.Exec(`DELETE FROM store_meta`); err != nil {
		t.Fatal(err)
	}
	forget.Close()
	checkDataKeyError(t, openSealed(t, path, otherKey), "u-2", "with another key")

	// Neither sealed nor JSON.
	garbled := openSealed(t, path, otherKey)
	if _, err := garbled.w.Exec(`UPDATE subjects SET data = 'u-2@example.com' WHERE subject_id = 'u-2'`); err != nil {
		t.Fatal(err)
	}
	_, err := garbled.Delivery(ctx, store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-2"})
	if err == nil || errors.Is(err, ErrDataKey) || strings.Contains(err.Error(), "@example.com") ||
		!strings.Contains(err.Error(), "u-2") {
		t.Errorf("Delivery of a garbled row = %v; want an error naming u-2 and not its data", err)
	}
}

// checkDataKeyError reads subject id and wants ErrDataKey naming the
// subject and none of its contacts.
func checkDataKeyError(t *testing.T, s *Store, id, when string) {
	t.Helper()
	d, err := s.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: id})
	if !errors.Is(err, ErrDataKey) {
		t.Fatalf("%s: Delivery(%s) = %#v, %v; want ErrDataKey", when, id, d.Subject, err)
	}
	sub := fakeContact(id)
	msg := err.Error()
	if !strings.Contains(msg, id) {
		t.Errorf("%s: error %q does not name the subject", when, msg)
	}
	for _, v := range []string{sub.Email, sub.Phone, sub.Name, sub.PushTokens[0], sealPrefix} {
		if strings.Contains(msg, v) {
			t.Errorf("%s: error %q shows stored data %q", when, msg, v)
		}
	}
}

func addSubject(t *testing.T, s *Store, eventID string, sub incident.Subject) {
	t.Helper()
	if _, err := s.ApplyEvent(context.Background(), eventID, "INC-1", incident.TypeSubjects,
		func(tx store.Tx) error { _, err := tx.AddSubjects("INC-1", []incident.Subject{sub}); return err }); err != nil {
		t.Fatal(err)
	}
}

// storedData is the raw data column of subject id of INC-1.
func storedData(t *testing.T, s *Store, id string) string {
	t.Helper()
	var doc string
	if err := s.r.QueryRow(`SELECT data FROM subjects WHERE incident_id = 'INC-1' AND subject_id = ?`, id).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
