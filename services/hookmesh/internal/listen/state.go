package listen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// state is what a listen keeps between runs.
type state struct {
	// Cursor is the position of the last event handled (or of the last
	// progress message): the next run starts after it.
	Cursor string `json:"cursor"`
	// Ledger and Key say whose cursor it is, for a person reading the
	// file; a cursor is only valid on the database it came from.
	Ledger string `json:"ledger"`
	Key    string `json:"key"`
	// Updated is when Cursor was written.
	Updated time.Time `json:"updated"`
}

// DefaultStateFile is where a listen of ledger with key (its forward
// target and filters) keeps its cursor: one file per combination under the
// user's configuration directory, so two listens forwarding to different
// applications do not move each other's cursor.
func DefaultStateFile(ledger, key string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("state file: %w (set --state-file)", err)
	}
	sum := sha256.Sum256([]byte(ledger + "\x00" + key))
	return filepath.Join(dir, "hookmesh", "listen", hex.EncodeToString(sum[:6])+".json"), nil
}

// loadState reads path; a missing file is an empty state.
func loadState(path string) (state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, nil
	}
	if err != nil {
		return state{}, fmt.Errorf("read state file: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return state{}, fmt.Errorf("state file %s: %w (remove it, or pass --from)", path, err)
	}
	return s, nil
}

// saveState writes s to path through a temporary file and a rename, so a
// listen killed mid-write leaves the previous cursor, never half a file.
// Not fsynced: after a crash of the machine the cursor may be a little
// old, which repeats a few events, never skips one.
func saveState(path string, s state) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+strings.TrimSuffix(filepath.Base(path), ".json")+"-*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state file: %w", err)
	}
	return nil
}
