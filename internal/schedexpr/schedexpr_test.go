package schedexpr_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stepflow/stepflow/internal/schedexpr"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		d    schedexpr.Dialect
		kind schedexpr.Kind
	}{
		{"rate(1 minute)", schedexpr.Events, schedexpr.Rate},
		{"rate(5 minutes)", schedexpr.Events, schedexpr.Rate},
		{"rate(1 hour)", schedexpr.Events, schedexpr.Rate},
		{"rate(12 hours)", schedexpr.Events, schedexpr.Rate},
		{"rate(1 day)", schedexpr.Events, schedexpr.Rate},
		{"rate(7 days)", schedexpr.Events, schedexpr.Rate},
		{"rate(1 minutes)", schedexpr.Scheduler, schedexpr.Rate},
		{"rate(5 minute)", schedexpr.Scheduler, schedexpr.Rate},
		{"cron(15 10 * * ? *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 18 ? * MON-FRI *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 8 1 * ? *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0/15 10-16 ? * MON-FRI *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0/5 8-17 ? * MON-FRI *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 9 ? * 2#1 *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 0 L * ? *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 0 LW * ? *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 0 15W * ? *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 0 ? * 6L *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 0 ? * L *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 12 * JAN,jul ? 2030-2035)", schedexpr.Events, schedexpr.Cron},
		{"cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)", schedexpr.Events, schedexpr.Cron},
		{"cron(30-30 13-13 ? * 2,4,6 *)", schedexpr.Events, schedexpr.Cron},
		{"cron(1-31/30 1-1 ? * 1,7 *)", schedexpr.Events, schedexpr.Cron},
		{"cron(0 22-2 ? * FRI-MON *)", schedexpr.Events, schedexpr.Cron},
		{"cron(* * * * ? *)", schedexpr.Events, schedexpr.Cron},
		{"at(2030-01-31T15:59:42)", schedexpr.Scheduler, schedexpr.At},
	}
	for _, tt := range tests {
		e, err := schedexpr.Parse(tt.expr, tt.d)
		if err != nil {
			t.Errorf("Parse(%q) = %v", tt.expr, err)
			continue
		}
		if e.Kind() != tt.kind || e.String() != tt.expr {
			t.Errorf("Parse(%q) = %v %q", tt.expr, e.Kind(), e.String())
		}
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		d    schedexpr.Dialect
	}{
		{"", schedexpr.Scheduler},
		{"rate(1 minutes)", schedexpr.Events},
		{"rate(3 minute)", schedexpr.Events},
		{"rate(0 minutes)", schedexpr.Scheduler},
		{"rate(-1 minutes)", schedexpr.Scheduler},
		{"rate(10 seconds)", schedexpr.Scheduler},
		{"rate(5  minutes)", schedexpr.Scheduler},
		{"rate(5minutes)", schedexpr.Scheduler},
		{"rate(1.5 hours)", schedexpr.Scheduler},
		{"rate(99999999999999 days)", schedexpr.Scheduler},
		{"rate 5 minutes", schedexpr.Scheduler},
		{"cron(7 20 * * 1-7 *)", schedexpr.Events},    // both day fields
		{"cron(15 12 ? * -1 *)", schedexpr.Events},    // negative day
		{"cron(0/10 * ? * *)", schedexpr.Events},      // five fields
		{"cron(*/1 * * * *)", schedexpr.Events},       // five fields
		{"cron(0 0 ? * ? *)", schedexpr.Events},       // both ?
		{"cron(60 0 * * ? *)", schedexpr.Events},      // minute 60
		{"cron(0 24 * * ? *)", schedexpr.Events},      // hour 24
		{"cron(0 0 32 * ? *)", schedexpr.Events},      // day 32
		{"cron(0 0 * 13 ? *)", schedexpr.Events},      // month 13
		{"cron(0 0 ? * 8 *)", schedexpr.Events},       // day of week 8
		{"cron(0 0 * * ? 1969)", schedexpr.Events},    // year
		{"cron(0 0 * * ? 2200)", schedexpr.Events},    // year
		{"cron(0/0 0 * * ? *)", schedexpr.Events},     // step 0
		{"cron(0 0 ? * 2#6 *)", schedexpr.Events},     // #6
		{"cron(0 0 ? * 2#1,3 *)", schedexpr.Events},   // # in a list
		{"cron(0 0 L,1 * ? *)", schedexpr.Events},     // L in a list
		{"cron(0 0 * FOO ? *)", schedexpr.Events},     // name
		{"cron(0,,1 0 * * ? *)", schedexpr.Events},    // empty item
		{"cron(0 0 40W * ? *)", schedexpr.Events},     // W day
		{"cron(0 0 * * ? *", schedexpr.Events},        // no )
		{"at(2030-01-31T15:59:42)", schedexpr.Events}, // at on rules
		{"at(2030-01-31 15:59:42)", schedexpr.Scheduler},
		{"at(2030-02-30T15:59:42)", schedexpr.Scheduler},
		{"at(2030-01-31T15:59)", schedexpr.Scheduler},
		{"every(5 minutes)", schedexpr.Scheduler},
	}
	for _, tt := range tests {
		_, err := schedexpr.Parse(tt.expr, tt.d)
		if !errors.Is(err, schedexpr.ErrInvalid) {
			t.Errorf("Parse(%q) = %v; want ErrInvalid", tt.expr, err)
		}
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	tokyo := mustLoc(t, "Asia/Tokyo")
	utc := time.UTC
	at := func(loc *time.Location, s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name   string
		expr   string
		loc    *time.Location
		after  time.Time
		anchor time.Time
		want   []time.Time // consecutive fire times
	}{
		{"rate from anchor", "rate(5 minutes)", utc, at(utc, "2024-01-01 10:02:00"), at(utc, "2024-01-01 10:00:00"),
			[]time.Time{at(utc, "2024-01-01 10:05:00"), at(utc, "2024-01-01 10:10:00")}},
		{"rate before anchor", "rate(1 hour)", utc, at(utc, "2024-01-01 08:00:00"), at(utc, "2024-01-01 10:00:00"),
			[]time.Time{at(utc, "2024-01-01 10:00:00"), at(utc, "2024-01-01 11:00:00")}},
		{"rate exactly on a fire time", "rate(1 hour)", utc, at(utc, "2024-01-01 11:00:00"), at(utc, "2024-01-01 10:00:00"),
			[]time.Time{at(utc, "2024-01-01 12:00:00")}},
		{"rate days are 24h across DST", "rate(1 day)", ny, at(ny, "2024-03-09 12:00:00"), at(ny, "2024-03-09 12:00:00"),
			[]time.Time{at(ny, "2024-03-10 13:00:00"), at(ny, "2024-03-11 13:00:00")}},
		{"daily cron UTC", "cron(15 10 * * ? *)", utc, at(utc, "2024-01-01 10:15:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-02 10:15:00"), at(utc, "2024-01-03 10:15:00")}},
		{"seconds past the minute", "cron(* * * * ? *)", utc, at(utc, "2024-01-01 10:15:30"), time.Time{},
			[]time.Time{at(utc, "2024-01-01 10:16:00"), at(utc, "2024-01-01 10:17:00")}},
		{"weekdays", "cron(0 18 ? * MON-FRI *)", utc, at(utc, "2024-01-05 19:00:00"), time.Time{}, // a Friday
			[]time.Time{at(utc, "2024-01-08 18:00:00"), at(utc, "2024-01-09 18:00:00")}},
		{"every 15 minutes in business hours", "cron(0/15 10-16 ? * MON-FRI *)", utc, at(utc, "2024-01-05 16:40:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-05 16:45:00"), at(utc, "2024-01-08 10:00:00"), at(utc, "2024-01-08 10:15:00")}},
		{"first of the month", "cron(0 8 1 * ? *)", utc, at(utc, "2024-01-15 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-02-01 08:00:00"), at(utc, "2024-03-01 08:00:00")}},
		{"last day of the month", "cron(0 0 L * ? *)", utc, at(utc, "2024-01-31 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-02-29 00:00:00"), at(utc, "2024-03-31 00:00:00"), at(utc, "2024-04-30 00:00:00")}},
		{"last weekday", "cron(0 0 LW * ? *)", utc, at(utc, "2024-03-01 00:00:00"), time.Time{}, // 2024-03-31 is a Sunday
			[]time.Time{at(utc, "2024-03-29 00:00:00"), at(utc, "2024-04-30 00:00:00"), at(utc, "2024-05-31 00:00:00")}},
		{"nearest weekday", "cron(0 0 15W * ? *)", utc, at(utc, "2024-06-01 00:00:00"), time.Time{}, // 2024-06-15 is a Saturday
			[]time.Time{at(utc, "2024-06-14 00:00:00"), at(utc, "2024-07-15 00:00:00"), at(utc, "2024-08-15 00:00:00"), at(utc, "2024-09-16 00:00:00")}},
		{"nearest weekday of a Saturday 1st", "cron(0 0 1W * ? *)", utc, at(utc, "2024-05-15 00:00:00"), time.Time{}, // 2024-06-01 Sat
			[]time.Time{at(utc, "2024-06-03 00:00:00")}},
		{"second Monday", "cron(0 9 ? * 2#2 *)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-08 09:00:00"), at(utc, "2024-02-12 09:00:00")}},
		{"last Friday", "cron(0 0 ? * 6L *)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-26 00:00:00"), at(utc, "2024-02-23 00:00:00")}},
		{"L as day of week is Saturday", "cron(0 0 ? * L *)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-06 00:00:00")}},
		{"months by name and years", "cron(0 12 1 JAN,jul ? 2030-2031)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2030-01-01 12:00:00"), at(utc, "2030-07-01 12:00:00"), at(utc, "2031-01-01 12:00:00"), at(utc, "2031-07-01 12:00:00")}},
		{"wrapping hour range", "cron(0 22-1 ? * * *)", utc, at(utc, "2024-01-01 12:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-01-01 22:00:00"), at(utc, "2024-01-01 23:00:00"), at(utc, "2024-01-02 00:00:00"), at(utc, "2024-01-02 01:00:00"), at(utc, "2024-01-02 22:00:00")}},
		{"29 February", "cron(0 0 29 2 ? *)", utc, at(utc, "2024-03-01 00:00:00"), time.Time{},
			[]time.Time{at(utc, "2028-02-29 00:00:00")}},
		{"time zone", "cron(0 9 * * ? *)", tokyo, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{at(tokyo, "2024-01-02 09:00:00")}},
		{"Berlin 8:00 keeps its wall time across DST", "cron(0 8 * * ? *)", berlin, at(berlin, "2024-03-30 09:00:00"), time.Time{},
			[]time.Time{at(utc, "2024-03-31 06:00:00"), at(utc, "2024-04-01 06:00:00")}},
		{"spring forward skips the missing hour", "cron(30 2 * * ? *)", ny, at(ny, "2024-03-09 03:00:00"), time.Time{},
			[]time.Time{at(ny, "2024-03-11 02:30:00")}},
		{"spring forward every 30 minutes", "cron(0/30 * * * ? *)", ny, at(ny, "2024-03-10 01:00:00"), time.Time{},
			[]time.Time{at(ny, "2024-03-10 01:30:00"), at(ny, "2024-03-10 03:00:00")}},
		{"fall back runs once", "cron(30 1 * * ? *)", ny, at(ny, "2024-11-02 02:00:00"), time.Time{},
			[]time.Time{time.Date(2024, 11, 3, 5, 30, 0, 0, utc), at(ny, "2024-11-04 01:30:00")}},
		{"fall back hourly", "cron(0 * * * ? *)", ny, time.Date(2024, 11, 3, 4, 30, 0, 0, utc), time.Time{}, // 00:30 EDT
			[]time.Time{time.Date(2024, 11, 3, 5, 0, 0, 0, utc), time.Date(2024, 11, 3, 7, 0, 0, 0, utc)}},
		{"at in a time zone", "at(2030-06-01T12:00:00)", tokyo, at(utc, "2024-01-01 00:00:00"), time.Time{},
			[]time.Time{time.Date(2030, 6, 1, 3, 0, 0, 0, utc)}},
		{"at in the past", "at(2020-06-01T12:00:00)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{}, nil},
		{"cron past its years", "cron(0 0 * * ? 2020)", utc, at(utc, "2024-01-01 00:00:00"), time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := schedexpr.Parse(tt.expr, schedexpr.Scheduler)
			if err != nil {
				t.Fatal(err)
			}
			after := tt.after
			for i, want := range tt.want {
				got, ok := e.Next(after, tt.loc, tt.anchor)
				if !ok || !got.Equal(want) {
					t.Fatalf("fire %d after %v = %v, %v; want %v", i, after, got.UTC(), ok, want.UTC())
				}
				after = got
			}
			if tt.want == nil {
				if got, ok := e.Next(after, tt.loc, tt.anchor); ok {
					t.Fatalf("Next = %v; want none", got)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"rate(5 minutes)", "rate(1 day)", "cron(0 18 ? * MON-FRI *)", "cron(0/15 10-16 ? * 2#3 *)",
		"cron(0 0 LW * ? 2030-2040/2)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L *)", "at(2030-01-31T15:59:42)",
		"cron(59 23 31 12 ? 2199)", "cron(* * * * ? *)", "cron(0 22-2 ? * FRI-MON *)",
	} {
		f.Add(s, uint8(0), int64(1700000000))
	}
	zones := []*time.Location{time.UTC}
	for _, z := range []string{"America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"} {
		if loc, err := time.LoadLocation(z); err == nil {
			zones = append(zones, loc)
		}
	}
	f.Fuzz(func(t *testing.T, s string, d uint8, sec int64) {
		e, err := schedexpr.Parse(s, schedexpr.Dialect(d%2))
		if err != nil {
			if !errors.Is(err, schedexpr.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		after := time.Unix(sec%(200*365*86400), 0)
		loc := zones[int(uint64(sec)%uint64(len(zones)))]
		for range 3 {
			next, ok := e.Next(after, loc, after.Add(-time.Minute))
			if !ok {
				return
			}
			if !next.After(after) {
				t.Fatalf("%s: Next(%v) = %v, not after", s, after, next)
			}
			after = next
		}
	})
}

func BenchmarkNextCron(b *testing.B) {
	e, err := schedexpr.Parse("cron(0/15 10-16 ? * MON-FRI *)", schedexpr.Events)
	if err != nil {
		b.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	after := time.Date(2024, 1, 5, 16, 50, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := e.Next(after, ny, time.Time{}); !ok {
			b.Fatal("no next")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schedexpr.Parse("cron(0/15 10-16 ? * MON-FRI *)", schedexpr.Events); err != nil {
			b.Fatal(err)
		}
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base.Add(2 * time.Second)
	c := schedexpr.Clock{Now: func() time.Time { return now }, Scale: 3600, RealBase: base, SchedBase: base.Add(time.Hour)}
	if got, want := c.Sched(), base.Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("Sched = %v, want %v", got, want)
	}
	if got := c.Real(time.Hour); got != time.Second {
		t.Errorf("Real(1h) = %v, want 1s", got)
	}
	c.Scale = 1
	if !c.Sched().Equal(now) || c.Real(time.Hour) != time.Hour {
		t.Error("Scale 1 is not the real clock")
	}
}
