package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// SecretSize is the length of a key made by Secret.
const SecretSize = 32

// Secret returns the random key kept under name, making it on first use:
// the same name gives the same key for the life of the database, across
// restarts and processes.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	row, err := db.queryRow(ctx, `SELECT value FROM secrets WHERE name = ?`, name)
	if err == nil {
		err = row.Scan(&key)
	}
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read the %s key: %w", name, err)
	}
	fresh := make([]byte, SecretSize)
	rand.Read(fresh)
	// Another process may have stored one meanwhile: the first one stays.
	err = db.write(ctx, func(w *wtx) error {
		if _, err := w.exec(`INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)`, name, fresh); err != nil {
			return err
		}
		return w.queryRow(`SELECT value FROM secrets WHERE name = ?`, name).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("store the %s key: %w", name, err)
	}
	return key, nil
}
