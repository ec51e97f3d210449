package sqlite_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestSecret checks that a key is made once per name and survives a
// reopen, and that names do not share keys.
func TestSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db := open(t, path, sqlite.Options{})
	a, err := db.Secret(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != sqlite.SecretSize || bytes.Equal(a, make([]byte, sqlite.SecretSize)) {
		t.Fatalf("Secret(a) = %x, want %d random bytes", a, sqlite.SecretSize)
	}
	b, err := db.Secret(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatalf("names a and b share the key %x", a)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, path, sqlite.Options{})
	defer db.Close()
	again, err := db.Secret(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, again) {
		t.Fatalf("after a reopen Secret(a) = %x, want %x", again, a)
	}
}
