package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/herald-notify/herald/incident"
)

// exportMarker marks a directory as a notice export, so a later export may
// replace it. Without it a non-empty DIR is refused: replacing it would
// delete files nobody asked us to touch.
const exportMarker = ".herald-notice-export"

// checkReplaceable fails unless dir is missing, empty, or an earlier export.
func checkReplaceable(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check export directory: %w", err)
	}
	if !fi.IsDir() {
		return incident.Invalid("DIR", "%s exists and is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read export directory: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, exportMarker)); err == nil {
		return nil
	}
	return incident.Invalid("DIR", "%s holds files that are not an earlier notice export: give a new or empty directory", dir)
}

// writeExport writes files (paths relative to dir, slash-separated) into a
// new directory beside dir and then swaps it in, so a failed run leaves
// the previous export as it was. It returns a note when the previous
// export could not be removed after the swap.
func writeExport(dir string, files map[string][]byte) (string, error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create parent of export directory: %w", err)
	}
	fresh, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return "", fmt.Errorf("create temporary export directory: %w", err)
	}
	swapped := false
	defer func() {
		if !swapped {
			_ = os.RemoveAll(fresh)
		}
	}()
	if err := fillDir(fresh, files); err != nil {
		return "", err
	}
	note, err := swapDir(dir, fresh)
	swapped = err == nil
	return note, err
}

// fillDir writes the files, and the marker, world-readable: they are
// public pages for a web server to serve.
func fillDir(root string, files map[string][]byte) error {
	if err := os.Chmod(root, 0o755); err != nil {
		return fmt.Errorf("open up export directory: %w", err)
	}
	all := map[string][]byte{exportMarker: []byte("written by incidentctl notice export\n")}
	for name, body := range files {
		all[name] = body
	}
	for name, body := range all {
		full := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("create export directory for %s: %w", name, err)
		}
		if err := os.WriteFile(full, body, 0o644); err != nil {
			return fmt.Errorf("write export file %s: %w", name, err)
		}
	}
	return nil
}

// swapDir moves dir aside, fresh into its place, and removes the old one.
// Two renames on one file system: a reader sees the old export or the new
// one, or for an instant no directory, never a mix. If the second rename
// fails the old export is put back.
func swapDir(dir, fresh string) (string, error) {
	old := fresh + ".old"
	hadOld := true
	if err := os.Rename(dir, old); errors.Is(err, fs.ErrNotExist) {
		hadOld = false
	} else if err != nil {
		return "", fmt.Errorf("move the previous export aside: %w", err)
	}
	if err := os.Rename(fresh, dir); err != nil {
		if hadOld {
			_ = os.Rename(old, dir)
		}
		return "", fmt.Errorf("move the new export into place: %w", err)
	}
	if !hadOld {
		return "", nil
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Sprintf("the previous export is left at %s: %v", old, err), nil
	}
	return "", nil
}
