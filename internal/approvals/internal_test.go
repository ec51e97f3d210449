package approvals

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestRedeliver: a decision recorded before a crash, never delivered, is
// delivered once when the service starts again.
func TestRedeliver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	open := func(complete CompleteFunc) (*sqlite.DB, *Service) {
		db, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{DB: db, BaseURL: "http://127.0.0.1:8083", Complete: complete})
		if err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	db, s := open(func(context.Context, string, bool, string, string, string) error {
		t.Error("Complete called before the crash")
		return nil
	})
	a, err := s.Create(ctx, Request{TaskToken: "tok", ExecutionArn: "arn:aws:states:us-east-1:1:execution:m:n"})
	if err != nil {
		t.Fatal(err)
	}
	// The crash: the decision is committed, its delivery never happened.
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE approvals_requests SET decision = 'reject', decided_at = ? WHERE id = ?`, time.Now().UnixNano(), a.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db.Close()

	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	db, s = open(func(_ context.Context, token string, approved bool, _, errName, _ string) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, token+"/"+errName)
		if len(got) == 1 {
			close(done)
		}
		return nil
	})
	defer db.Close()
	<-done
	s.Close() // waits for the redelivery to record its outcome
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "tok/"+RejectedError {
		t.Fatalf("Complete calls = %v", got)
	}
	rec, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != StatusRejected {
		t.Errorf("status = %s, want REJECTED", rec.Status)
	}
}
