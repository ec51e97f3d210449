package sqlite

import "context"

// SetSchemaVersion overwrites the stored schema version, for tests of
// migrate's guard against newer databases.
func SetSchemaVersion(ctx context.Context, db *DB, v int) error {
	_, err := db.w.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v)
	return err
}
