package sqlite

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKeyCreatesThenReuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "data.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("first LoadOrCreateKey = %d bytes, created %v, %v; want a new %d-byte key", len(key), created, err, KeySize)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", info.Mode().Perm())
	}
	text, _ := os.ReadFile(path)
	if string(text) != hex.EncodeToString(key)+"\n" {
		t.Errorf("key file holds %d bytes, want the key's 64 hex digits and a newline", len(text))
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) > 0 {
		t.Errorf("temporary files left beside the key: %v", left)
	}

	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Errorf("second LoadOrCreateKey = created %v, %v, same key %v; want the first key reused", created, err, bytes.Equal(again, key))
	}
	// The key it made seals a store.
	s, err := OpenWith(filepath.Join(t.TempDir(), "herald.db"), Options{DataKey: key})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestLoadKeyNeverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.key")
	if key, err := LoadKey(path); err == nil || key != nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadKey of a missing file = %d bytes, %v; want an error naming %s", len(key), err, path)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("LoadKey left a file at %s (%v)", path, err)
	}
	made, _, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if key, err := LoadKey(path); err != nil || !bytes.Equal(key, made) {
		t.Errorf("LoadKey of an existing key = same %v, %v", bytes.Equal(key, made), err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); runtime.GOOS != "windows" && (err == nil || !strings.Contains(err.Error(), "chmod 600")) {
		t.Errorf("LoadKey of a world-readable key = %v; want it refused", err)
	}
}

// Processes starting together agree on one key: none replaces another's.
func TestLoadOrCreateKeyConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.key")
	const callers = 8
	keys := make([][]byte, callers)
	created := make([]bool, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			var err error
			if keys[i], created[i], err = LoadOrCreateKey(path); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	makers := 0
	for i := range callers {
		if created[i] {
			makers++
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("caller %d got another key than caller 0", i)
		}
	}
	if makers != 1 {
		t.Errorf("%d callers report creating the key, want 1", makers)
	}
}

func TestLoadOrCreateKeyReadsWrittenKeys(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, KeySize)
	for name, text := range map[string]string{
		"no newline": hex.EncodeToString(want),
		"newline":    hex.EncodeToString(want) + "\n",
		"crlf":       hex.EncodeToString(want) + "\r\n",
		"upper-case": strings.ToUpper(hex.EncodeToString(want)) + "\n",
	} {
		path := writeKeyFile(t, text, 0o600)
		key, created, err := LoadOrCreateKey(path)
		if err != nil || created || !bytes.Equal(key, want) {
			t.Errorf("%s: LoadOrCreateKey = created %v, %v, right key %v", name, created, err, bytes.Equal(key, want))
		}
	}
}

func TestLoadOrCreateKeyRefusesBadFiles(t *testing.T) {
	good := hex.EncodeToString(bytes.Repeat([]byte{0xcd}, KeySize))
	type badFile struct {
		name, text string
		mode       os.FileMode
		want       string // in the error
	}
	cases := []badFile{
		{"empty", "", 0o600, "64 hex digits"},
		{"short", good[:32] + "\n", 0o600, "64 hex digits"},
		{"long", good + "00\n", 0o600, "64 hex digits"},
		{"two newlines", good + "\n\n", 0o600, "64 hex digits"},
		{"not hex", "zz" + good[2:] + "\n", 0o600, "hex digits"},
	}
	if runtime.GOOS != "windows" {
		cases = append(cases,
			badFile{"group-readable", good + "\n", 0o640, "chmod 600"},
			badFile{"world-readable", good + "\n", 0o604, "chmod 600"})
	}
	for _, c := range cases {
		path := writeKeyFile(t, c.text, c.mode)
		key, created, err := LoadOrCreateKey(path)
		if err == nil {
			t.Errorf("%s: LoadOrCreateKey accepted it (created %v)", c.name, created)
			continue
		}
		if key != nil || created || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: LoadOrCreateKey = %v; want an error naming %s and %q", c.name, err, path, c.want)
		}
		if strings.Contains(err.Error(), good[4:20]) {
			t.Errorf("%s: error %q shows the key", c.name, err)
		}
		// A refused file is left as it was, never replaced by a new key.
		if text, _ := os.ReadFile(path); string(text) != c.text {
			t.Errorf("%s: the refused key file was changed", c.name)
		}
	}
}

func writeKeyFile(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.key")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}
