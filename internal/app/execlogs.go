package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/services/logs"
	"github.com/stepflow/stepflow/internal/store"
)

// execLogger writes executions' history events to their state machine's
// CloudWatch Logs group, as Step Functions does for a state machine with a
// loggingConfiguration: level ALL logs every event, ERROR the failures,
// FATAL the execution's own failure; without includeExecutionData the
// inputs and outputs are left out. It works in the background, so the
// runner never waits for it.
type execLogger struct {
	logs     *logs.Service
	describe func(ctx context.Context, smArn string) (loggingConfig, error)
	log      func(msg string, args ...any)

	batches chan execBatch
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}

	mu    sync.Mutex
	cache map[string]cachedConfig
}

type execBatch struct {
	smArn, execArn, execName string
	redrives                 int
	events                   [][]byte // GetExecutionHistory JSON
}

type loggingConfig struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
	Destinations         []struct {
		CloudWatchLogsLogGroup struct {
			LogGroupArn string `json:"logGroupArn"`
		} `json:"cloudWatchLogsLogGroup"`
	} `json:"destinations"`
}

type cachedConfig struct {
	cfg loggingConfig
	at  time.Time
}

func newExecLogger(l *logs.Service, describe func(ctx context.Context, smArn string) (loggingConfig, error), log func(string, ...any)) *execLogger {
	ctx, cancel := context.WithCancel(context.Background())
	x := &execLogger{logs: l, describe: describe, log: log, batches: make(chan execBatch, 4096),
		ctx: ctx, cancel: cancel, done: make(chan struct{}), cache: map[string]cachedConfig{}}
	go x.run()
	return x
}

// committed is runner.Config.OnCommitted.
func (x *execLogger) committed(ex store.Execution, events []store.Event) {
	b := execBatch{smArn: ex.StateMachineArn, execArn: ex.Arn, execName: ex.Name, redrives: ex.RedriveCount}
	for _, e := range events {
		b.events = append(b.events, e.JSON)
	}
	x.enqueue(b)
}

// expressEnded is sfn.Config.OnExpressEnded.
func (x *execLogger) expressEnded(smArn, execArn string, history []engine.HistoryEvent) {
	b := execBatch{smArn: smArn, execArn: execArn, execName: execArn[strings.LastIndexByte(execArn, ':')+1:]}
	for i := range history {
		b.events = append(b.events, history[i].AppendJSON(nil))
	}
	x.enqueue(b)
}

func (x *execLogger) enqueue(b execBatch) {
	select {
	case x.batches <- b:
	case <-x.ctx.Done():
	default:
		x.log("execution_logs_dropped", "execution_arn", b.execArn, "events", len(b.events))
	}
}

// close writes what is queued and stops.
func (x *execLogger) close() {
	x.cancel()
	<-x.done
}

func (x *execLogger) run() {
	defer close(x.done)
	for {
		select {
		case b := <-x.batches:
			x.write(b)
		case <-x.ctx.Done():
			for {
				select {
				case b := <-x.batches:
					x.write(b)
				default:
					return
				}
			}
		}
	}
}

func (x *execLogger) config(smArn string) (loggingConfig, bool) {
	x.mu.Lock()
	c, ok := x.cache[smArn]
	x.mu.Unlock()
	if ok && time.Since(c.at) < 2*time.Second {
		return c.cfg, true
	}
	cfg, err := x.describe(context.Background(), smArn)
	if err != nil {
		return loggingConfig{}, false
	}
	x.mu.Lock()
	x.cache[smArn] = cachedConfig{cfg: cfg, at: time.Now()}
	x.mu.Unlock()
	return cfg, true
}

func (x *execLogger) write(b execBatch) {
	cfg, ok := x.config(b.smArn)
	if !ok || cfg.Level == "" || cfg.Level == "OFF" || len(cfg.Destinations) == 0 {
		return
	}
	group := logGroupName(cfg.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn)
	if group == "" {
		return
	}
	var events []logs.Event
	for _, raw := range b.events {
		ev, at, ok := logEntry(raw, b.execArn, b.redrives, cfg)
		if ok {
			events = append(events, logs.Event{Timestamp: at, Message: ev})
		}
	}
	if len(events) == 0 {
		return
	}
	smName := b.smArn[strings.LastIndexByte(b.smArn, ':')+1:]
	stream := "states/" + smName + "/" + events[0].Timestamp.UTC().Format("2006-01-02-15-04") + "/" + b.execName
	if err := x.logs.Append(context.Background(), group, stream, events); err != nil {
		x.log("execution_logs_not_written", "execution_arn", b.execArn, "log_group", group, "err", err)
	}
}

// logGroupName is the name in "arn:aws:logs:<region>:<account>:log-group:<name>:*".
func logGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":log-group:")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(rest, ":*")
}

// logEntry turns a history event into the log entry Step Functions writes,
// or reports that the level leaves it out.
func logEntry(raw []byte, execArn string, redrives int, cfg loggingConfig) (string, time.Time, bool) {
	var ev map[string]json.RawMessage
	if json.Unmarshal(raw, &ev) != nil {
		return "", time.Time{}, false
	}
	var typ string
	json.Unmarshal(ev["type"], &typ)
	switch cfg.Level {
	case "ALL":
	case "ERROR":
		if !strings.HasSuffix(typ, "Failed") && !strings.HasSuffix(typ, "TimedOut") && !strings.HasSuffix(typ, "Aborted") {
			return "", time.Time{}, false
		}
	case "FATAL":
		if typ != "ExecutionFailed" && typ != "ExecutionTimedOut" && typ != "ExecutionAborted" {
			return "", time.Time{}, false
		}
	default:
		return "", time.Time{}, false
	}
	var ts float64
	json.Unmarshal(ev["timestamp"], &ts)
	at := time.UnixMilli(int64(math.Round(ts * 1000))).UTC()
	var id, prev int64
	json.Unmarshal(ev["id"], &id)
	json.Unmarshal(ev["previousEventId"], &prev)
	details := json.RawMessage("{}")
	for k, v := range ev {
		if strings.HasSuffix(k, "EventDetails") {
			details = v
		}
	}
	if !cfg.IncludeExecutionData {
		var d map[string]json.RawMessage
		if json.Unmarshal(details, &d) == nil {
			for _, k := range []string{"input", "output", "inputDetails", "outputDetails", "parameters", "result"} {
				delete(d, k)
			}
			details, _ = json.Marshal(d)
		}
	}
	out, _ := json.Marshal(struct {
		ID              string          `json:"id"`
		Type            string          `json:"type"`
		Details         json.RawMessage `json:"details"`
		PreviousEventID string          `json:"previous_event_id"`
		EventTimestamp  string          `json:"event_timestamp"`
		ExecutionArn    string          `json:"execution_arn"`
		RedriveCount    string          `json:"redrive_count"`
	}{fmt.Sprint(id), typ, details, fmt.Sprint(prev), fmt.Sprint(at.UnixMilli()), execArn, fmt.Sprint(redrives)})
	return string(out), at, true
}
