package approvals_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/approvals"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	ok := approvals.Request{TaskToken: testToken, ExecutionArn: testArn}
	with := func(f func(*approvals.Request)) approvals.Request { r := ok; f(&r); return r }
	tests := []struct {
		name    string
		req     approvals.Request
		wantErr string
		wantTTL time.Duration
	}{
		{"defaults", ok, "", 24 * time.Hour},
		{"seven days", with(func(r *approvals.Request) { r.TTL = 7 * 24 * time.Hour }), "", 7 * 24 * time.Hour},
		{"one second", with(func(r *approvals.Request) { r.TTL = time.Second }), "", time.Second},
		{"too long", with(func(r *approvals.Request) { r.TTL = 7*24*time.Hour + time.Second }), "longer than the maximum of 7 days", 0},
		{"negative", with(func(r *approvals.Request) { r.TTL = -time.Second }), "must be positive", 0},
		{"under a second", with(func(r *approvals.Request) { r.TTL = time.Millisecond }), "at least one second", 0},
		{"no token", with(func(r *approvals.Request) { r.TaskToken = "" }), "TaskToken is required", 0},
		{"no execution", with(func(r *approvals.Request) { r.ExecutionArn = "" }), "ExecutionArn is required", 0},
		{"invalid UTF-8", with(func(r *approvals.Request) { r.Details = "\xff" }), "Details is not valid UTF-8", 0},
		{"NUL", with(func(r *approvals.Request) { r.Title = "a\x00b" }), "Title contains a NUL", 0},
		{"long details", with(func(r *approvals.Request) { r.Details = strings.Repeat("x", 8193) }), "Details has more than 8192", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := tb.svc.Create(ctx, tt.req)
			if tt.wantErr != "" {
				if !errors.Is(err, approvals.ErrInvalidRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Create = %v, want an invalid request error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := start.Add(tt.wantTTL).Truncate(time.Second); !a.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %s, want %s", a.ExpiresAt, want)
			}
			rec, err := tb.svc.Get(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Title != approvals.DefaultTitle || rec.Status != approvals.StatusPending || !rec.ExpiresAt.Equal(a.ExpiresAt) {
				t.Errorf("record = %+v", rec)
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	a, err := tb.svc.Create(ctx, approvals.Request{TaskToken: testToken, ExecutionArn: testArn, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.svc.Decide(ctx, strings.Repeat("0", 32), true); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("Decide(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := tb.svc.Verify(ctx, a.ID, "approve", "AAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, approvals.ErrBadSignature) {
		t.Errorf("Verify(bad) = %v, want ErrBadSignature", err)
	}
	tb.clock.Advance(time.Minute)
	if _, err := tb.svc.Decide(ctx, a.ID, true); !errors.Is(err, approvals.ErrExpired) {
		t.Errorf("Decide(expired) = %v, want ErrExpired", err)
	}
	b, err := tb.svc.Create(ctx, approvals.Request{TaskToken: testToken, ExecutionArn: testArn})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := tb.svc.Decide(ctx, b.ID, false); err != nil || rec.Status != approvals.StatusRejected {
		t.Fatalf("Decide = %+v, %v", rec, err)
	}
	if _, err := tb.svc.Decide(ctx, b.ID, true); !errors.Is(err, approvals.ErrDecided) {
		t.Errorf("Decide(decided) = %v, want ErrDecided", err)
	}
	if n := len(tb.tasks.Calls()); n != 1 {
		t.Errorf("Complete called %d times, want 1", n)
	}
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	complete := (&fakeTasks{}).Complete
	tests := []struct {
		name string
		cfg  approvals.Config
		want string
	}{
		{"no DB", approvals.Config{BaseURL: "http://x", Complete: complete}, "DB is required"},
		{"no Complete", approvals.Config{DB: db, BaseURL: "http://x"}, "Complete is required"},
		{"no BaseURL", approvals.Config{DB: db, Complete: complete}, "BaseURL"},
		{"relative BaseURL", approvals.Config{DB: db, Complete: complete, BaseURL: "/x"}, "BaseURL"},
		{"ftp BaseURL", approvals.Config{DB: db, Complete: complete, BaseURL: "ftp://x"}, "BaseURL"},
		{"short key", approvals.Config{DB: db, Complete: complete, BaseURL: "http://x", Key: []byte("short")}, "at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := approvals.New(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("New accepted the config")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	old, err := tb.svc.Create(ctx, approvals.Request{TaskToken: testToken, ExecutionArn: testArn, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tb.clock.Advance(time.Hour + approvals.Retention - time.Second)
	if _, err := tb.svc.Create(ctx, approvals.Request{TaskToken: testToken, ExecutionArn: testArn}); err != nil {
		t.Fatal(err)
	}
	if rec, err := tb.svc.Get(ctx, old.ID); err != nil || rec.Status != approvals.StatusExpired {
		t.Fatalf("Get within retention = %+v, %v", rec, err)
	}
	tb.clock.Advance(2 * time.Second)
	if _, err := tb.svc.Create(ctx, approvals.Request{TaskToken: testToken, ExecutionArn: testArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.svc.Get(ctx, old.ID); !errors.Is(err, approvals.ErrNotFound) {
		t.Fatalf("Get after retention = %v, want ErrNotFound", err)
	}
}

func BenchmarkCreate(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc, err := approvals.New(approvals.Config{DB: db, BaseURL: "http://127.0.0.1:8083", Complete: (&fakeTasks{}).Complete})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	req := approvals.Request{TaskToken: testToken, ExecutionArn: testArn, StateName: "Wait", Title: "Refund"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Create(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecide is the decision path behind a POST: verify the link,
// record the decision, deliver it (to a fake), record the outcome.
func BenchmarkDecide(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc, err := approvals.New(approvals.Config{DB: db, BaseURL: "http://127.0.0.1:8083", Complete: (&fakeTasks{}).Complete})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	req := approvals.Request{TaskToken: testToken, ExecutionArn: testArn, StateName: "Wait", Title: "Refund"}
	links := make([]approvals.Approval, b.N)
	for i := range links {
		if links[i], err = svc.Create(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		a := links[i]
		s := a.ApproveURL[strings.LastIndex(a.ApproveURL, "s=")+2:]
		if _, err := svc.Verify(ctx, a.ID, approvals.DecisionApprove, s); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Decide(ctx, a.ID, true); err != nil {
			b.Fatal(err)
		}
	}
}
