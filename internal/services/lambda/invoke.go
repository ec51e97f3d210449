package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Invocation types and log types.
const (
	invokeRequestResponse = "RequestResponse"
	invokeEvent           = "Event"
	invokeDryRun          = "DryRun"
	logTail               = "Tail"
	// Payload limits.
	maxSyncPayload  = 6291456
	maxAsyncPayload = 262144
	// tailBytes is how much of the log LogType Tail returns.
	tailBytes = 4096
)

// InvokeInput is an Invoke request.
type InvokeInput struct {
	// FunctionName is a name, a partial ARN or an ARN, optionally with a
	// ":qualifier" suffix.
	FunctionName string
	// Qualifier is a version number, "$LATEST" or an alias.
	Qualifier string
	// InvocationType is RequestResponse (default), Event or DryRun.
	InvocationType string
	// LogType Tail returns the last 4 KB of the log in LogResult.
	LogType string
	// ClientContext is base64-encoded JSON passed to the function.
	ClientContext string
	// Payload is the JSON event; empty means {}.
	Payload []byte
}

// InvokeOutput is an Invoke response.
type InvokeOutput struct {
	// StatusCode is 200 (RequestResponse), 202 (Event) or 204 (DryRun).
	StatusCode int
	// FunctionError is "Unhandled" when the function failed; Payload then
	// holds its error document ({"errorMessage","errorType",...}).
	FunctionError string
	// ExecutedVersion is the version that ran (RequestResponse).
	ExecutedVersion string
	// LogResult is the base64-encoded tail of the log (LogType Tail).
	LogResult string
	// Payload is the function's response or error document.
	Payload []byte
}

// Invoke runs a function. Errors are *awsproto.Error values with AWS's
// codes (ResourceNotFoundException, TooManyRequestsException, ...).
func (s *Service) Invoke(ctx context.Context, in InvokeInput) (InvokeOutput, error) {
	out, err := s.invoke(ctx, in, "")
	if err != nil {
		return out, apiError(err)
	}
	return out, nil
}

// invoke is Invoke with the request ID the invocation takes ("" for a new
// one). Its errors may carry a throttling reason for the wire.
func (s *Service) invoke(ctx context.Context, in InvokeInput, reqID string) (InvokeOutput, error) {
	if reqID == "" {
		reqID = newID()
	}
	typ := in.InvocationType
	if typ == "" {
		typ = invokeRequestResponse
	}
	switch typ {
	case invokeRequestResponse, invokeEvent, invokeDryRun:
	default:
		return InvokeOutput{}, awsproto.ValidationError(awsproto.Violation("invocationType", typ, "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"))
	}
	if in.LogType != "" && in.LogType != logTail && in.LogType != "None" {
		return InvokeOutput{}, awsproto.ValidationError(awsproto.Violation("logType", in.LogType, "Member must satisfy enum value set: [None, Tail]"))
	}
	ref, err := parseFunctionName(in.FunctionName, in.Qualifier)
	if err != nil {
		return InvokeOutput{}, err
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	limit := maxSyncPayload
	if typ == invokeEvent {
		limit = maxAsyncPayload
	}
	if len(payload) > limit {
		return InvokeOutput{}, awsproto.NewError(CodeRequestTooLarge, fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit))
	}
	if !json.Valid(payload) {
		return InvokeOutput{}, awsproto.NewError(CodeInvalidRequestContent, "Could not parse request body into json: Could not parse payload into json: "+jsonProblem(payload))
	}
	clientContext := ""
	if in.ClientContext != "" {
		b, err := base64.StdEncoding.DecodeString(in.ClientContext)
		if err != nil || !json.Valid(b) {
			return InvokeOutput{}, awsproto.NewError(CodeInvalidRequestContent, "Client context must be a valid Base64-encoded JSON object.")
		}
		clientContext = string(b)
	}
	s.mu.RLock()
	_, cfg, err := s.resolveLocked(ref)
	s.mu.RUnlock()
	if err != nil {
		return InvokeOutput{}, err
	}
	switch typ {
	case invokeDryRun:
		return InvokeOutput{StatusCode: 204}, nil
	case invokeEvent:
		if err := s.async.enqueue(ctx, asyncItem{RequestID: reqID, Function: ref.name, Qualifier: ref.qualifier,
			Payload: payload, ClientContext: clientContext}); err != nil {
			return InvokeOutput{}, err
		}
		return InvokeOutput{StatusCode: 202}, nil
	}
	if !runnable(cfg.Runtime) {
		return InvokeOutput{}, invalidRuntime(cfg.Runtime)
	}
	res, err := s.execute(ctx, cfg, s.qualifiedARN(ref.name, ref.qualifier), reqID, payload, clientContext, false)
	if err != nil {
		return InvokeOutput{}, err
	}
	out := InvokeOutput{StatusCode: 200, ExecutedVersion: cfg.Version, Payload: res.payload}
	if res.funcErr {
		out.FunctionError = "Unhandled"
	}
	if in.LogType == logTail {
		log := res.logText
		if len(log) > tailBytes {
			log = log[len(log)-tailBytes:]
		}
		out.LogResult = base64.StdEncoding.EncodeToString([]byte(log))
	}
	return out, nil
}

func invalidRuntime(runtime string) error {
	return awsproto.NewError(CodeInvalidRuntime, "The runtime parameter of "+runtime+" is not supported by Stepflow, which runs OS-only runtimes: build the function as an executable named bootstrap and use provided.al2023 or provided.al2.")
}

// jsonProblem describes why a payload is not JSON, in the spirit of the
// Jackson message Lambda returns.
func jsonProblem(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "malformed JSON"
}

// execResult is a finished invocation.
type execResult struct {
	result
	logText string
}

// execute runs one invocation of cfg and waits for it. wait makes a
// throttled invocation wait for room instead of failing (for invocations
// Lambda queues itself). If ctx ends first the invocation goes on in the
// background, as on AWS, and ctx's error is returned.
func (s *Service) execute(ctx context.Context, cfg *fnConfig, arn, reqID string, payload []byte, clientContext string, wait bool) (execResult, error) {
	var sl slot
	var err error
	if wait {
		sl, err = s.lim.acquireWait(ctx, cfg.Name)
	} else {
		sl, err = s.lim.acquire(cfg.Name)
	}
	if err != nil {
		return execResult{}, err
	}
	inv := newInvocation(reqID, cfg, arn, payload)
	inv.clientContext = clientContext
	inv.traceID = traceID(reqID)
	start := time.Now()
	if err := s.rt.dispatch(inv); err != nil {
		s.lim.release(sl)
		return execResult{}, closedError()
	}
	if !inv.wait(ctx) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			<-inv.done
			s.finish(inv, start)
			s.lim.release(sl)
		}()
		return execResult{}, ctx.Err()
	}
	r := s.finish(inv, start)
	s.lim.release(sl)
	if inv.res.err != nil {
		return execResult{}, inv.res.err
	}
	return r, nil
}

func closedError() error {
	return awsproto.NewError(CodeService, "The Lambda service is shutting down: retry once Stepflow is back.")
}

// traceID makes an X-Ray trace header for an invocation.
func traceID(reqID string) string {
	h := strings.ReplaceAll(reqID, "-", "")
	if len(h) < 24 {
		h += strings.Repeat("0", 24-len(h))
	}
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), h[:24], h[len(h)-16:])
}

// finish builds an invocation's log and records it.
func (s *Service) finish(inv *invocation, start time.Time) execResult {
	r := inv.res
	if r.err != nil {
		return execResult{result: r}
	}
	log := buildLog(inv, &r)
	s.logs.record(inv.cfg.Name, Invocation{
		RequestID: inv.id,
		Version:   inv.cfg.Version,
		Start:     start,
		Duration:  r.duration,
		Status:    r.status,
		Log:       log,
	})
	return execResult{result: r, logText: log}
}

// buildLog lays out an invocation's log as CloudWatch shows it: the output
// before it began (initialization), START, its output, Lambda's own error
// line if any, END and REPORT.
func buildLog(inv *invocation, r *result) string {
	var b strings.Builder
	b.Grow(len(r.pre) + len(r.body) + 256)
	b.Write(r.pre)
	b.WriteString("START RequestId: ")
	b.WriteString(inv.id)
	b.WriteString(" Version: ")
	b.WriteString(inv.cfg.Version)
	b.WriteByte('\n')
	b.Write(r.body)
	if len(r.body) > 0 && r.body[len(r.body)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString(r.errLine)
	b.WriteString("END RequestId: ")
	b.WriteString(inv.id)
	b.WriteByte('\n')
	ms := float64(r.duration.Microseconds()) / 1000
	billed := ms
	if inv.cold {
		billed += float64(inv.initDur.Microseconds()) / 1000
	}
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		inv.id, ms, int64(math.Max(1, math.Ceil(billed))), inv.cfg.MemorySize, (r.maxRSSKB+1023)/1024)
	if inv.cold {
		fmt.Fprintf(&b, "Init Duration: %.2f ms\t", float64(inv.initDur.Microseconds())/1000)
	}
	switch {
	case r.status == "TimedOut":
		b.WriteString("Status: timeout\t")
	case r.errType != "":
		b.WriteString("Status: error\tError Type: " + r.errType + "\t")
	}
	b.WriteByte('\n')
	return b.String()
}

// Call-style Invoke: the JSON form of the input and output shapes.

type invokeIn struct {
	FunctionName   string
	InvocationType string
	LogType        string
	ClientContext  string
	Payload        []byte
	Qualifier      string
}

type invokeOut struct {
	StatusCode      int    `json:"StatusCode"`
	FunctionError   string `json:"FunctionError,omitempty"`
	LogResult       string `json:"LogResult,omitempty"`
	Payload         []byte `json:"Payload,omitempty"`
	ExecutedVersion string `json:"ExecutedVersion,omitempty"`
}

func (s *Service) invokeAction(ctx context.Context, body []byte) (any, error) {
	var in invokeIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	out, err := s.invoke(ctx, InvokeInput{FunctionName: in.FunctionName, Qualifier: in.Qualifier,
		InvocationType: in.InvocationType, LogType: in.LogType, ClientContext: in.ClientContext, Payload: in.Payload},
		awsproto.RequestID(ctx))
	if err != nil {
		return nil, err
	}
	return invokeOut{out.StatusCode, out.FunctionError, out.LogResult, out.Payload, out.ExecutedVersion}, nil
}
