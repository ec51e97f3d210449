package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

func TestZZOpenTime(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		st := time.Now()
		db := open(t, filepath.Join(dir, "x.db"), sqlite.Options{})
		t.Logf("open %d: %v", i, time.Since(st))
		db.Close()
	}
}
