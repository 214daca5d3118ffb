package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// exporter writes what a retention pass drops to JSON Lines files in a
// directory, one file per table and pass
// (retention-<UTC time of the pass>-<table>.jsonl), each line one row as a
// JSON object of its columns (blobs base64, times unix microseconds). A
// batch's rows are written and synced before the batch commits, so what
// is dropped is on disk first; a batch that then fails to commit is
// exported again by the next pass (at least once).
type exporter struct {
	dir   string
	stamp string
	files map[string]*exportFile
	order []string
}

type exportFile struct {
	f *os.File
	w *bufio.Writer
}

func newExporter(dir string, now time.Time) *exporter {
	return &exporter{dir: dir, stamp: now.UTC().Format("20060102T150405Z"), files: map[string]*exportFile{}}
}

// export writes the rows of table matching where.
func (e *exporter) export(ctx context.Context, tx *sql.Tx, table, where string, args []any) error {
	f, err := e.file(table)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table+" WHERE "+where, args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	enc := json.NewEncoder(f.w)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
		obj := make(map[string]any, len(cols))
		for i, c := range cols {
			obj[c] = vals[i]
		}
		if err := enc.Encode(obj); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	return nil
}

func (e *exporter) file(table string) (*exportFile, error) {
	if f, ok := e.files[table]; ok {
		return f, nil
	}
	if err := os.MkdirAll(e.dir, 0o750); err != nil {
		return nil, fmt.Errorf("export directory: %w", err)
	}
	path := filepath.Join(e.dir, "retention-"+e.stamp+"-"+table+".jsonl")
	// Append: two passes within one second share the files.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", table, err)
	}
	ef := &exportFile{f: f, w: bufio.NewWriterSize(f, 1<<16)}
	e.files[table], e.order = ef, append(e.order, path)
	return ef, nil
}

// sync flushes and fsyncs every file, before the batch commits.
func (e *exporter) sync() error {
	for _, f := range e.files {
		if err := f.w.Flush(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := f.f.Sync(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// close syncs and closes the files and returns their paths, sorted.
func (e *exporter) close() ([]string, error) {
	err := e.sync()
	for _, f := range e.files {
		if cerr := f.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export: %w", cerr)
		}
	}
	files := slices.Clone(e.order)
	slices.Sort(files)
	return files, err
}
