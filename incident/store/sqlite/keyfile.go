package sqlite

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// LoadOrCreateKey reads the data key kept at path (KeySize bytes as hex,
// one trailing newline allowed), or, when there is no file there, makes a
// random one and writes it there readable by its owner only; created says
// which. It refuses a key file that group or others may open: the key is
// all that stands between a copy of the database and its contacts. Its
// errors name the path, never the key.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = loadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	if err := createKey(path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process made it first: use theirs
			key, err = loadKey(path)
			return key, false, err
		}
		return nil, false, err
	}
	key, err = loadKey(path)
	return key, err == nil, err
}

// LoadKey reads the data key kept at path, as LoadOrCreateKey does, but
// never makes one: for a key that a secret store must provide, where a
// missing file is a mistake to report rather than to paper over.
func LoadKey(path string) ([]byte, error) {
	key, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data key file %s: does not exist", path)
	}
	return key, err
}

// loadKey reads and checks the key file; a missing file is fs.ErrNotExist.
func loadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat() // of the file opened, not of whatever the path names now
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	if mode := info.Mode().Perm(); runtime.GOOS != "windows" && mode&0o077 != 0 {
		return nil, fmt.Errorf("data key file %s: is open to group or others (mode %04o); restrict it with: chmod 600 %s",
			path, mode, path)
	}
	// Read a little more than a key holds, so an oversized file is told
	// apart rather than cut to size.
	text, err := io.ReadAll(io.LimitReader(f, 2*KeySize+3))
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	return parseKey(path, string(text))
}

// parseKey takes KeySize bytes in hex, with at most one trailing line end.
func parseKey(path, text string) ([]byte, error) {
	text = strings.TrimSuffix(text, "\n")
	text = strings.TrimSuffix(text, "\r")
	if len(text) != 2*KeySize {
		return nil, fmt.Errorf("data key file %s: must hold %d hex digits (a %d-byte key) and a newline at most, holds %d characters",
			path, 2*KeySize, KeySize, len(text))
	}
	key, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("data key file %s: must hold %d hex digits, holds other characters", path, 2*KeySize)
	}
	return key, nil
}

// createKey writes a new random key at path, which must not exist: the key
// goes to a temporary file beside it (mode 0600, synced) that is then
// linked in. A link, unlike a rename, never replaces a key that another
// process wrote meanwhile (fs.ErrExist then), and no reader ever sees a
// half-written key.
func createKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data key file %s: create directory: %w", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("data key file %s: make key: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*") // 0600
	if err != nil {
		return fmt.Errorf("data key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("data key file %s: write: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return fmt.Errorf("data key file %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a new directory entry durable: losing the key file in a
// crash would lose every sealed subject.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
