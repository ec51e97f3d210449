package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssched "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/stepflow/stepflow/internal/services/scheduler"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// firings waits until a schedule has n firings and returns them, newest
// first.
func firings(t *testing.T, svc *scheduler.Service, name string, n int) []scheduler.Firing {
	t.Helper()
	var fs []scheduler.Firing
	waitFor(t, "firings of "+name, func() bool {
		var err error
		fs, err = svc.Firings(context.Background(), "", name, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs) >= n
	})
	return fs
}

func TestFiresOnAnInjectedClock(t *testing.T) {
	t.Parallel()
	clk := newClock(t0.Add(9*time.Hour + 59*time.Minute + 30*time.Second))
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	in := createInput("daily", "cron(0 10 * * ? *)")
	in.Target.Input = aws.String(`{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","n":<aws.scheduler.attempt-number>,"id":"<aws.scheduler.execution-id>"}`)
	in.Target.SqsParameters = &types.SqsParameters{MessageGroupId: aws.String("g")}
	if _, err := tb.client.CreateSchedule(ctx, in); err != nil {
		t.Fatal(err)
	}
	next, err := tb.svc.NextFireTimes(ctx)
	if err != nil || len(next) != 1 || !next[0].ScheduledTime.Equal(t0.Add(10*time.Hour)) || next[0].TargetArn != queueArn {
		t.Fatalf("NextFireTimes = %+v, %v", next, err)
	}
	tb.rec.none(t, 30*time.Millisecond)

	clk.Advance(30 * time.Second)
	c := tb.rec.next(t)
	want := `{"arn":"arn:aws:scheduler:us-east-1:111111111111:schedule/default/daily","at":"2030-01-01T10:00:00Z","n":1,"id":"`
	if !strings.HasPrefix(c.input, want) || c.target.Arn != queueArn || c.target.RoleArn != roleArn ||
		c.target.SqsParameters == nil || c.target.SqsParameters.MessageGroupId != "g" {
		t.Errorf("delivery = %+v", c)
	}
	tb.rec.none(t, 30*time.Millisecond)

	clk.Advance(24 * time.Hour)
	c = tb.rec.next(t)
	if !strings.Contains(c.input, `"at":"2030-01-02T10:00:00Z"`) {
		t.Errorf("second delivery = %s", c.input)
	}
	fs := firings(t, tb.svc, "daily", 2)
	if fs[0].Outcome != scheduler.OutcomeSucceeded || !fs[0].ScheduledTime.Equal(t0.Add(34*time.Hour)) || fs[0].Attempts != 1 ||
		!fs[1].ScheduledTime.Equal(t0.Add(10*time.Hour)) {
		t.Errorf("firings = %+v", fs)
	}
	next, _ = tb.svc.NextFireTimes(ctx)
	if len(next) != 1 || !next[0].ScheduledTime.Equal(t0.Add(58*time.Hour)) {
		t.Errorf("next = %+v", next)
	}
}

func TestTimeScale(t *testing.T) {
	t.Parallel()
	// 36000: an hour of schedule time is 0.1 s.
	tb := setup(t, func(o *options) { o.scale = 36000 })
	in := createInput("hourly", "rate(1 hour)")
	in.Target.Input = aws.String("<aws.scheduler.scheduled-time>")
	start := time.Now()
	if _, err := tb.client.CreateSchedule(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for range 4 {
		c := tb.rec.next(t)
		at, err := time.Parse(time.RFC3339, c.input)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, at)
	}
	// Whole hours apart (on a loaded machine the loop may wake more than
	// an hour of schedule time late and deliver only the latest time).
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d <= 0 || d%time.Hour != 0 {
			t.Errorf("scheduled times %v apart; want whole hours", d)
		}
	}
	// Four firings span three hours of schedule time: 0.3 s of real time,
	// and certainly less than a minute.
	if el := time.Since(start); el > time.Minute {
		t.Errorf("took %v", el)
	}
}

func TestRetriesThenDeadLetter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fail     func(n int) error
		retries  int32
		dlq      bool
		outcome  string
		attempts int
		dlqCalls int
	}{
		{"dead-lettered", func(int) error { return errors.New("target down") }, 2, true, scheduler.OutcomeDeadLettered, 3, 1},
		{"failed without a queue", func(int) error { return errors.New("target down") }, 1, false, scheduler.OutcomeFailed, 2, 0},
		{"succeeds on a retry", func(n int) error {
			if n < 3 {
				return errors.New("flaky")
			}
			return nil
		}, 5, true, scheduler.OutcomeSucceeded, 3, 0},
		{"no retries", func(int) error { return errors.New("no") }, 0, true, scheduler.OutcomeDeadLettered, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			rec.fail = tt.fail
			// Back-off of 1s, 2s, 4s... in schedule time: milliseconds.
			tb := setup(t, func(o *options) { o.scale = 1000; o.rec = rec })
			at := tb.svc.ScheduleClock().Add(2 * time.Second).UTC().Format("2006-01-02T15:04:05")
			in := createInput("once", "at("+at+")")
			in.Target.Input = aws.String(`attempt <aws.scheduler.attempt-number>`)
			in.Target.RetryPolicy = &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(tt.retries), MaximumEventAgeInSeconds: aws.Int32(3600)}
			if tt.dlq {
				in.Target.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(dlqArn)}
			}
			if _, err := tb.client.CreateSchedule(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			fs := firings(t, tb.svc, "once", 1)
			if fs[0].Outcome != tt.outcome || fs[0].Attempts != tt.attempts {
				t.Errorf("firing = %+v", fs[0])
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.calls) != tt.attempts {
				t.Errorf("%d attempts; want %d", len(rec.calls), tt.attempts)
			}
			for i, c := range rec.calls {
				if want := "attempt " + string(rune('1'+i)); c.input != want {
					t.Errorf("attempt %d input = %q; want %q", i+1, c.input, want)
				}
			}
			if len(rec.dlq) != tt.dlqCalls {
				t.Fatalf("dead letters = %+v", rec.dlq)
			}
			if tt.dlqCalls > 0 && (rec.dlq[0].arn != dlqArn || rec.dlq[0].input != "attempt "+string(rune('0'+tt.attempts))) {
				t.Errorf("dead letter = %+v", rec.dlq[0])
			}
		})
	}
}

func TestMissedFiringsAfterRestart(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	hourly := createInput("hourly", "rate(1 hour)")
	hourly.Target.Input = aws.String("<aws.scheduler.scheduled-time>")
	if _, err := tb.client.CreateSchedule(ctx, hourly); err != nil {
		t.Fatal(err)
	}
	// A rate schedule without a StartDate fires at once.
	if c := tb.rec.next(t); c.input != "2030-01-01T00:00:00Z" {
		t.Fatalf("first delivery = %q", c.input)
	}
	clk.Advance(time.Second)
	daily := createInput("daily", "cron(0 0 * * ? *)")
	daily.Target.Input = aws.String("daily <aws.scheduler.scheduled-time>")
	daily.Target.RetryPolicy = &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(3600)}
	if _, err := tb.client.CreateSchedule(ctx, daily); err != nil {
		t.Fatal(err)
	}
	firings(t, tb.svc, "hourly", 1)

	// Down for 5.5 hours: one delivery for 05:00, nothing for 01:00-04:00.
	tb.close(t)
	clk.Advance(5*time.Hour + 30*time.Minute)
	tb.open(t)
	if c := tb.rec.next(t); c.input != "2030-01-01T05:00:00Z" {
		t.Fatalf("catch-up delivery = %q", c.input)
	}
	tb.rec.none(t, 50*time.Millisecond)
	fs := firings(t, tb.svc, "hourly", 3)
	if fs[0].Outcome != scheduler.OutcomeSucceeded || !fs[0].ScheduledTime.Equal(t0.Add(5*time.Hour)) ||
		fs[1].Outcome != scheduler.OutcomeMissed || !fs[1].ScheduledTime.Equal(t0.Add(time.Hour)) ||
		!strings.HasPrefix(fs[1].Error, "4 invocation(s) from this time on were missed") {
		t.Errorf("firings = %+v", fs)
	}
	next, _ := tb.svc.NextFireTimes(ctx)
	if len(next) != 2 || next[0].Name != "hourly" || !next[0].ScheduledTime.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("next = %+v", next)
	}

	// Down over midnight for longer than the daily schedule's event age:
	// its invocation is dropped; the hourly one still catches up.
	tb.close(t)
	clk.Set(t0.Add(26*time.Hour + 30*time.Minute))
	tb.open(t)
	if c := tb.rec.next(t); c.input != "2030-01-02T02:00:00Z" {
		t.Fatalf("catch-up delivery = %q", c.input)
	}
	tb.rec.none(t, 50*time.Millisecond)
	fs = firings(t, tb.svc, "daily", 1)
	if fs[0].Outcome != scheduler.OutcomeMissed || !fs[0].ScheduledTime.Equal(t0.Add(24*time.Hour)) || fs[0].Attempts != 0 {
		t.Errorf("daily firings = %+v", fs)
	}
}

func TestDeliveryResumesAfterRestart(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	rec := newRecorder()
	rec.fail = func(int) error { return errors.New("down") }
	tb := setup(t, func(o *options) { o.clock = clk; o.rec = rec; o.retryBase = time.Hour })
	if _, err := tb.client.CreateSchedule(context.Background(), createInput("once", "at(2030-01-01T00:00:30)")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	rec.next(t) // the first attempt fails; the next waits an hour
	waitFor(t, "the failed attempt to be recorded", func() bool {
		n, err := tb.svc.PendingAttempts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(n) == 1 && n[0] == 1
	})
	tb.close(t)
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	clk.Advance(time.Minute)
	tb.open(t)
	rec.next(t)
	fs := firings(t, tb.svc, "once", 1)
	if fs[0].Outcome != scheduler.OutcomeSucceeded || fs[0].Attempts != 2 {
		t.Errorf("firing = %+v", fs[0])
	}
}

func TestOneTimeSchedules(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	del := createInput("delete-me", "at(2030-01-01T09:00:00)")
	del.ActionAfterCompletion = types.ActionAfterCompletionDelete
	del.ScheduleExpressionTimezone = aws.String("Europe/Paris") // 08:00 UTC
	if _, err := tb.client.CreateSchedule(ctx, del); err != nil {
		t.Fatal(err)
	}
	keep := createInput("keep-me", "at(2030-01-01T08:00:00)")
	if _, err := tb.client.CreateSchedule(ctx, keep); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(8 * time.Hour))
	tb.rec.next(t)
	tb.rec.next(t)
	waitFor(t, "the one-time schedule to be deleted", func() bool {
		_, err := tb.client.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("delete-me")})
		return err != nil
	})
	if _, err := tb.client.GetSchedule(ctx, &awssched.GetScheduleInput{Name: aws.String("keep-me")}); err != nil {
		t.Errorf("kept schedule: %v", err)
	}
	next, _ := tb.svc.NextFireTimes(ctx)
	if len(next) != 0 {
		t.Errorf("next = %+v", next)
	}
	// An update that changes nothing about timing does not fire it again.
	if _, err := tb.client.UpdateSchedule(ctx, &awssched.UpdateScheduleInput{Name: aws.String("keep-me"),
		ScheduleExpression: keep.ScheduleExpression, Description: aws.String("new"), FlexibleTimeWindow: keep.FlexibleTimeWindow,
		Target: keep.Target}); err != nil {
		t.Fatal(err)
	}
	tb.rec.none(t, 30*time.Millisecond)
}

func TestFlexibleWindowAndStates(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	tb := setup(t, func(o *options) { o.clock = clk })
	ctx := context.Background()
	in := createInput("flex", "cron(0 10 * * ? *)")
	in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(30)}
	in.ScheduleExpressionTimezone = aws.String("Asia/Tokyo") // 10:00 JST is 01:00 UTC
	if _, err := tb.client.CreateSchedule(ctx, in); err != nil {
		t.Fatal(err)
	}
	next, _ := tb.svc.NextFireTimes(ctx)
	if len(next) != 1 || !next[0].ScheduledTime.Equal(t0.Add(time.Hour)) ||
		next[0].DueTime.Before(next[0].ScheduledTime) || !next[0].DueTime.Before(next[0].ScheduledTime.Add(30*time.Minute)) {
		t.Fatalf("next = %+v", next)
	}
	due := next[0].DueTime
	// Deterministic: the same offset after a restart.
	tb.reopen(t)
	again, _ := tb.svc.NextFireTimes(ctx)
	if len(again) != 1 || !again[0].DueTime.Equal(due) {
		t.Errorf("due after restart = %+v; want %v", again, due)
	}
	clk.Set(due.Add(-time.Second))
	tb.rec.none(t, 30*time.Millisecond)
	clk.Set(due)
	tb.rec.next(t)

	// Disabled schedules do not fire; enabling them plans the next time.
	upd := &awssched.UpdateScheduleInput{Name: aws.String("flex"), ScheduleExpression: aws.String("rate(1 minute)"),
		State: types.ScheduleStateDisabled, FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target: in.Target}
	if _, err := tb.client.UpdateSchedule(ctx, upd); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	tb.rec.none(t, 30*time.Millisecond)
	if next, _ := tb.svc.NextFireTimes(ctx); len(next) != 0 {
		t.Errorf("disabled schedule is due: %+v", next)
	}
	upd.State = types.ScheduleStateEnabled
	if _, err := tb.client.UpdateSchedule(ctx, upd); err != nil {
		t.Fatal(err)
	}
	tb.rec.next(t)
}
