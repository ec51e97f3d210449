package sfn

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/store"
)

// maxPayload is the largest execution input (and task output) AWS takes:
// 256 KiB of UTF-8.
const maxPayload = 256 * 1024

// Execution statuses.
const (
	statusRunning        = "RUNNING"
	statusSucceeded      = "SUCCEEDED"
	statusFailed         = "FAILED"
	statusTimedOut       = "TIMED_OUT"
	statusAborted        = "ABORTED"
	statusPendingRedrive = "PENDING_REDRIVE"
)

// checkInput validates an execution input; absent means "{}".
func checkInput(in *string) (string, error) {
	if in == nil {
		return "{}", nil
	}
	if len(*in) > maxPayload {
		return "", errTooLong("input", *in, maxPayload, true)
	}
	if *in == "" {
		return "", apiError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: 'Invalid execution input.'")
	}
	if _, err := jsonv.ParseString(*in); err != nil {
		return "", apiError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '"+err.Error()+"'")
	}
	return *in, nil
}

// target is what an execution runs: a state machine, version or alias
// resolved to a definition.
type target struct {
	machine    store.StateMachine
	definition string
	roleArn    string
	versionArn string
	aliasArn   string
}

// resolve resolves the state machine ARN StartExecution was given.
func (s *Service) resolve(ctx context.Context, raw, execName string) (target, error) {
	ref, err := parseStateMachineARN(raw)
	if err != nil {
		return target{}, err
	}
	sm, err := s.st.GetStateMachine(ctx, ref.base)
	if errors.Is(err, store.ErrNotFound) {
		return target{}, errStateMachineDoesNotExist(raw)
	}
	if err != nil {
		return target{}, err
	}
	t := target{machine: sm, definition: sm.Definition, roleArn: sm.RoleArn}
	versionArn := ""
	switch {
	case ref.version > 0:
		versionArn = ref.arn
	case ref.alias != "":
		a, err := s.st.GetAlias(ctx, ref.arn)
		if errors.Is(err, store.ErrNotFound) {
			return target{}, errStateMachineDoesNotExist(raw)
		}
		if err != nil {
			return target{}, err
		}
		t.aliasArn = a.Arn
		versionArn = pickVersion(decodeAlias(a).routes, execName)
	}
	if versionArn != "" {
		v, err := s.st.GetVersion(ctx, versionArn)
		if errors.Is(err, store.ErrNotFound) {
			return target{}, errStateMachineDoesNotExist(raw)
		}
		if err != nil {
			return target{}, err
		}
		t.versionArn, t.definition, t.roleArn = v.Arn, v.Definition, v.RoleArn
	}
	return t, nil
}

// StartExecution.

type startExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
	IncludedData    string  `json:"includedData"` // StartSyncExecution only
}

type startExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    epoch  `json:"startDate"`
}

// checkStart validates a start request's name, input and trace header.
func checkStart(in *startExecutionInput) (name, input string, err error) {
	if in.Name != nil {
		name = *in.Name
		if err := checkName("name", name); err != nil {
			return "", "", err
		}
	} else {
		name = uuid.NewString()
	}
	if len(in.TraceHeader) > 256 {
		return "", "", errTooLong("traceHeader", in.TraceHeader, 256, false)
	}
	input, err = checkInput(in.Input)
	return name, input, err
}

func (s *Service) startExecution(ctx context.Context, body []byte) (any, error) {
	var in startExecutionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, input, err := checkStart(&in)
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, in.StateMachineArn, name)
	if err != nil {
		return nil, err
	}
	if t.machine.Type == typeExpress {
		arn := s.expressARN(t.machine.Name, name, uuid.NewString())
		start := s.now()
		if err := s.startExpressAsync(ctx, t, arn, name, input, start); err != nil {
			return nil, err
		}
		return startExecutionOutput{ExecutionArn: arn, StartDate: epoch(start)}, nil
	}
	arn := s.executionARN(t.machine.Name, name)
	ex, err := s.run.StartExecution(ctx, runner.StartRequest{
		Arn: arn, Name: name, StateMachineArn: t.machine.Arn, VersionArn: t.versionArn, AliasArn: t.aliasArn,
		Definition: t.definition, RoleArn: t.roleArn, Type: typeStandard, Input: input, TraceHeader: in.TraceHeader,
	})
	if errors.Is(err, runner.ErrExecutionExists) {
		return nil, apiError(CodeExecutionAlreadyExists, "Execution Already Exists: '"+arn+"'")
	}
	if err != nil {
		return nil, err
	}
	return startExecutionOutput{ExecutionArn: ex.Arn, StartDate: epoch(ex.StartDate)}, nil
}

// runExpress runs an EXPRESS execution in memory to its end.
func (s *Service) runExpress(ctx context.Context, t target, arn, name, input string, start time.Time, sync bool) (*engine.Execution, error) {
	sm, err := asl.Parse(t.definition, asl.Options{Type: typeExpress})
	if err != nil {
		return nil, err
	}
	v, err := jsonv.ParseString(input)
	if err != nil {
		return nil, err
	}
	info := engine.Info{
		ExecutionArn: arn, Name: name, StateMachineArn: firstNonEmpty(t.versionArn, t.machine.Arn),
		StateMachineName: t.machine.Name, RoleArn: t.roleArn, Region: s.cfg.Region, Account: s.cfg.Account,
		Sync: sync, InputText: input, Seed: seed(arn),
		MaxDurationSeconds: expressMaxDuration,
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SyncTimeout)
	defer cancel()
	ex, err := s.cfg.Local.Run(ctx, sm, info, v, start)
	if err == nil && s.cfg.OnExpressEnded != nil {
		s.cfg.OnExpressEnded(t.machine.Arn, arn, ex.History())
	}
	return ex, err
}

// expressMaxDuration is how long an EXPRESS execution may run, as on AWS.
const expressMaxDuration = 5 * 60

// startExpressAsync logs an asynchronous EXPRESS execution durably (when
// the service has an ExpressLog) and runs it in the background; like AWS,
// its outcome is not kept.
func (s *Service) startExpressAsync(ctx context.Context, t target, arn, name, input string, start time.Time) error {
	if s.cfg.Express != nil {
		err := s.cfg.Express.Add(ctx, ExpressStart{
			Arn: arn, Name: name, StateMachineArn: t.machine.Arn, StateMachineName: t.machine.Name,
			VersionArn: t.versionArn, AliasArn: t.aliasArn, RoleArn: t.roleArn,
			Definition: t.definition, Input: input, StartDate: start,
		})
		if err != nil {
			return err
		}
	}
	s.runExpressAsync(t, arn, name, input, start)
	return nil
}

// runExpressAsync runs an asynchronous EXPRESS execution in the background
// and forgets it once it has ended. One that is cut short by Close stays
// in the log and runs again at the next start.
func (s *Service) runExpressAsync(t target, arn, name, input string, start time.Time) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ex, err := s.runExpress(s.ctx, t, arn, name, input, start, false)
		if err != nil && s.ctx.Err() != nil {
			return // shutting down: it runs again after the restart
		}
		if err != nil {
			s.log.Warn("express_execution_failed", "execution_arn", arn, "err", err)
		} else {
			s.log.Debug("express_execution_ended", "execution_arn", arn, "status", string(ex.Status()))
		}
		if s.cfg.Express != nil {
			if err := s.cfg.Express.Remove(context.WithoutCancel(s.ctx), arn); err != nil {
				s.log.Warn("express_log_remove_failed", "execution_arn", arn, "err", err)
			}
		}
	}()
}

func seed(arn string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(arn); i++ {
		h = (h ^ uint64(arn[i])) * 1099511628211
	}
	return h
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// StartSyncExecution.

type dataDetails struct {
	Included bool `json:"included"`
}

type billingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

type startSyncOutput struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn,omitempty"`
	Name            string          `json:"name,omitempty"`
	StartDate       epoch           `json:"startDate"`
	StopDate        epoch           `json:"stopDate"`
	Status          string          `json:"status"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *dataDetails    `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *dataDetails    `json:"outputDetails,omitempty"`
	TraceHeader     string          `json:"traceHeader,omitempty"`
	BillingDetails  *billingDetails `json:"billingDetails,omitempty"`
}

func (s *Service) startSyncExecution(ctx context.Context, body []byte) (any, error) {
	var in startExecutionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkIncludedData(in.IncludedData); err != nil {
		return nil, err
	}
	name, input, err := checkStart(&in)
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, in.StateMachineArn, name)
	if err != nil {
		return nil, err
	}
	if t.machine.Type != typeExpress {
		return nil, errTypeNotSupported()
	}
	arn := s.expressARN(t.machine.Name, name, uuid.NewString())
	start := s.now()
	wall := time.Now()
	ex, err := s.runExpress(ctx, t, arn, name, input, start, true)
	out := startSyncOutput{
		ExecutionArn: arn, StateMachineArn: t.machine.Arn, Name: name, StartDate: epoch(start),
		TraceHeader: in.TraceHeader,
	}
	metadataOnly := in.IncludedData == "METADATA_ONLY"
	if !metadataOnly {
		out.Input, out.InputDetails = &input, &dataDetails{Included: true}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		out.Status, out.Error = statusTimedOut, "States.Timeout"
		out.Cause = "The execution exceeded the maximum duration of an EXPRESS execution"
		out.StopDate = epoch(s.now())
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.Status, out.Error, out.Cause = statusFailed, "States.Runtime", err.Error()
		out.StopDate = epoch(s.now())
	default:
		out.Status = string(ex.Status())
		h := ex.History()
		out.StopDate = epoch(h[len(h)-1].Timestamp)
		if ex.Status() == engine.Succeeded {
			if !metadataOnly {
				o := jsonv.Marshal(ex.Output())
				out.Output, out.OutputDetails = &o, &dataDetails{Included: true}
			}
		} else {
			out.Error, out.Cause = ex.Error()
		}
	}
	ms := time.Since(wall).Milliseconds()
	billed := (ms + 99) / 100 * 100
	if billed < 100 {
		billed = 100
	}
	out.BillingDetails = &billingDetails{BilledMemoryUsedInMB: 64, BilledDurationInMilliseconds: billed}
	return out, nil
}

// getExecution resolves a STANDARD execution ARN.
func (s *Service) getExecution(ctx context.Context, raw string) (store.Execution, error) {
	return getByARN(ctx, raw, kindExecution, s.st.GetExecution, errExecutionDoesNotExist)
}

// DescribeExecution.

type describeExecutionOutput struct {
	ExecutionArn           string       `json:"executionArn"`
	StateMachineArn        string       `json:"stateMachineArn"`
	Name                   string       `json:"name,omitempty"`
	Status                 string       `json:"status"`
	StartDate              epoch        `json:"startDate"`
	StopDate               epoch        `json:"stopDate,omitzero"`
	Input                  *string      `json:"input,omitempty"`
	InputDetails           *dataDetails `json:"inputDetails,omitempty"`
	Output                 *string      `json:"output,omitempty"`
	OutputDetails          *dataDetails `json:"outputDetails,omitempty"`
	TraceHeader            string       `json:"traceHeader,omitempty"`
	MapRunArn              string       `json:"mapRunArn,omitempty"`
	Error                  string       `json:"error,omitempty"`
	Cause                  string       `json:"cause,omitempty"`
	StateMachineVersionArn string       `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string       `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int          `json:"redriveCount"`
	RedriveDate            epoch        `json:"redriveDate,omitzero"`
	RedriveStatus          string       `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string       `json:"redriveStatusReason,omitempty"`
}

// redriveStatus is whether an execution could be redriven, and why not.
func redriveStatus(status string) (string, string) {
	switch status {
	case statusRunning, statusSucceeded, statusPendingRedrive:
		return "NOT_REDRIVABLE", "Execution is " + status + " and cannot be redriven"
	}
	return "REDRIVABLE", ""
}

func (s *Service) describeExecution(ctx context.Context, body []byte) (any, error) {
	in, ex, err := s.describedExecution(ctx, body)
	if err != nil {
		return nil, err
	}
	out := describeExecutionOutput{
		ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status,
		StartDate: epoch(ex.StartDate), StopDate: epoch(ex.StopDate), TraceHeader: ex.TraceHeader,
		MapRunArn: ex.MapRunArn, Error: ex.Error, Cause: ex.Cause, StateMachineVersionArn: ex.VersionArn,
		StateMachineAliasArn: ex.AliasArn, RedriveCount: ex.RedriveCount, RedriveDate: epoch(ex.RedriveDate),
	}
	if ex.Status == statusRunning {
		out.StopDate = epoch{}
	}
	included := in.IncludedData != "METADATA_ONLY"
	out.InputDetails = &dataDetails{Included: included}
	if included {
		input := ex.Input
		out.Input = &input
	}
	if ex.HasOutput {
		out.OutputDetails = &dataDetails{Included: included}
		if included {
			output := ex.Output
			out.Output = &output
		}
	}
	out.RedriveStatus, out.RedriveStatusReason = redriveStatus(ex.Status)
	return out, nil
}

// StopExecution.

type stopExecutionInput struct {
	ExecutionArn string  `json:"executionArn"`
	Error        *string `json:"error"`
	Cause        *string `json:"cause"`
}

type stopExecutionOutput struct {
	StopDate epoch `json:"stopDate"`
}

func checkErrorCause(e, c *string) (string, string, error) {
	var errName, cause string
	if e != nil {
		errName = *e
		if len(errName) > 256 {
			return "", "", errTooLong("error", errName, 256, true)
		}
	}
	if c != nil {
		cause = *c
		if len(cause) > 32768 {
			return "", "", errTooLong("cause", cause, 32768, true)
		}
	}
	return errName, cause, nil
}

func (s *Service) stopExecution(ctx context.Context, body []byte) (any, error) {
	var in stopExecutionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	errName, cause, err := checkErrorCause(in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex.Status != statusRunning {
		return stopExecutionOutput{StopDate: epoch(ex.StopDate)}, nil
	}
	stop, err := s.run.StopExecution(ctx, ex.Arn, errName, cause)
	switch {
	case errors.Is(err, runner.ErrExecutionNotFound):
		return nil, errExecutionDoesNotExist(ex.Arn)
	case errors.Is(err, runner.ErrNotRunning):
		ex, err := s.st.GetExecution(ctx, in.ExecutionArn)
		if err != nil {
			return nil, err
		}
		return stopExecutionOutput{StopDate: epoch(ex.StopDate)}, nil
	case err != nil:
		return nil, err
	}
	return stopExecutionOutput{StopDate: epoch(stop)}, nil
}

// ListExecutions.

type listExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int64  `json:"maxResults"`
	NextToken       string `json:"nextToken"`
	MapRunArn       string `json:"mapRunArn"`
	RedriveFilter   string `json:"redriveFilter"`
}

type executionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              epoch  `json:"startDate"`
	StopDate               epoch  `json:"stopDate,omitzero"`
	MapRunArn              string `json:"mapRunArn,omitempty"`
	ItemCount              int    `json:"itemCount,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int    `json:"redriveCount"`
	RedriveDate            epoch  `json:"redriveDate,omitzero"`
}

type listExecutionsOutput struct {
	Executions []executionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

const (
	tokenExecutions         = "exec"
	maxExecutionsTokenLen   = 3096
	redriveFilterRedriven   = "REDRIVEN"
	redriveFilterNotRedrive = "NOT_REDRIVEN"
)

func (s *Service) listExecutions(ctx context.Context, body []byte) (any, error) {
	var in listExecutionsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch in.StatusFilter {
	case "", statusRunning, statusSucceeded, statusFailed, statusTimedOut, statusAborted, statusPendingRedrive:
	default:
		return nil, errEnum("statusFilter", in.StatusFilter,
			statusSucceeded, statusTimedOut, statusPendingRedrive, statusAborted, statusFailed, statusRunning)
	}
	switch in.RedriveFilter {
	case "", redriveFilterRedriven, redriveFilterNotRedrive:
	default:
		return nil, errEnum("redriveFilter", in.RedriveFilter, redriveFilterRedriven, redriveFilterNotRedrive)
	}
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	if err := checkToken(in.NextToken, maxExecutionsTokenLen); err != nil {
		return nil, err
	}
	after, err := decodeToken(tokenExecutions, in.NextToken)
	if err != nil {
		return nil, err
	}
	f := store.ListExecutionsFilter{Status: in.StatusFilter, Limit: limit, After: after}
	switch {
	case in.StateMachineArn != "" && in.MapRunArn != "":
		return nil, errValidation("Only one of stateMachineArn or mapRunArn can be specified")
	case in.StateMachineArn != "":
		if err := s.checkListTarget(ctx, in.StateMachineArn); err != nil {
			return nil, err
		}
		f.StateMachineArn = in.StateMachineArn
	case in.MapRunArn != "":
		if _, err := s.getMapRun(ctx, in.MapRunArn); err != nil {
			return nil, err
		}
		f.MapRunArn = in.MapRunArn
	default:
		return nil, errValidation("Must specify a stateMachineArn or a mapRunArn")
	}
	exs, next, err := s.st.ListExecutions(ctx, f)
	if err != nil {
		return nil, listError(err)
	}
	out := listExecutionsOutput{Executions: make([]executionListItem, 0, len(exs)), NextToken: encodeToken(tokenExecutions, next)}
	for _, ex := range exs {
		switch {
		case in.RedriveFilter == redriveFilterRedriven && ex.RedriveCount == 0,
			in.RedriveFilter == redriveFilterNotRedrive && ex.RedriveCount > 0:
			continue
		}
		item := executionListItem{
			ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status,
			StartDate: epoch(ex.StartDate), MapRunArn: ex.MapRunArn, StateMachineVersionArn: ex.VersionArn,
			StateMachineAliasArn: ex.AliasArn, RedriveCount: ex.RedriveCount, RedriveDate: epoch(ex.RedriveDate),
		}
		if ex.Status != statusRunning {
			item.StopDate = epoch(ex.StopDate)
		}
		if in.MapRunArn != "" {
			item.ItemCount = ex.ItemCount // only when listing a map run's children, as on AWS
		} else {
			item.MapRunArn = ""
		}
		out.Executions = append(out.Executions, item)
	}
	return out, nil
}

// checkListTarget checks the state machine, version or alias whose
// executions ListExecutions lists.
func (s *Service) checkListTarget(ctx context.Context, raw string) error {
	ref, err := parseStateMachineARN(raw)
	if err != nil {
		return err
	}
	sm, err := s.st.GetStateMachine(ctx, ref.base)
	if errors.Is(err, store.ErrNotFound) {
		if ref.qualified() {
			return errResourceNotFound(raw)
		}
		return errStateMachineDoesNotExist(raw)
	}
	if err != nil {
		return err
	}
	if sm.Type == typeExpress {
		return errTypeNotSupported()
	}
	switch {
	case ref.version > 0:
		_, err = s.st.GetVersion(ctx, raw)
	case ref.alias != "":
		_, err = s.st.GetAlias(ctx, raw)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errResourceNotFound(raw)
	}
	return err
}

// GetExecutionHistory.

type historyInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int64  `json:"maxResults"`
	ReverseOrder         bool   `json:"reverseOrder"`
	NextToken            string `json:"nextToken"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
}

// rawJSON is a JSON document written as is.
type rawJSON []byte

// MarshalJSON returns the document.
func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

type historyOutput struct {
	Events    []rawJSON `json:"events"`
	NextToken string    `json:"nextToken,omitempty"`
}

const tokenHistory = "history"

func (s *Service) getExecutionHistory(ctx context.Context, body []byte) (any, error) {
	var in historyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	if err := checkToken(in.NextToken, maxExecutionsTokenLen); err != nil {
		return nil, err
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	// The token carries the execution and direction it pages, so it cannot
	// be replayed against another.
	tokenKind := tokenHistory + "\x01" + ex.Arn + "\x01" + strconv.FormatBool(in.ReverseOrder)
	var from int64
	if in.NextToken != "" {
		c, err := decodeToken(tokenKind, in.NextToken)
		if err != nil {
			return nil, err
		}
		from, err = strconv.ParseInt(c, 10, 64)
		if err != nil || from < 0 {
			return nil, errInvalidToken("Invalid token")
		}
	}
	events, err := s.st.History(ctx, ex.Arn, from, limit+1, in.ReverseOrder)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errExecutionDoesNotExist(ex.Arn)
	}
	if err != nil {
		return nil, err
	}
	out := historyOutput{Events: make([]rawJSON, 0, min(len(events), limit))}
	if len(events) > limit {
		events = events[:limit]
		out.NextToken = encodeToken(tokenKind, strconv.FormatInt(events[len(events)-1].ID, 10))
	}
	includeData := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	for _, e := range events {
		out.Events = append(out.Events, wireEvent(e.JSON, includeData))
	}
	return out, nil
}

// wireEvent rewrites a stored history event for the wire: its ISO-8601
// timestamp becomes epoch seconds, and without execution data its input
// and output are left out.
func wireEvent(ev []byte, includeData bool) rawJSON {
	if !includeData {
		if v, err := jsonv.Parse(ev); err == nil {
			if o, ok := v.(*jsonv.Object); ok {
				ev = jsonv.Append(nil, stripData(o))
			}
		}
	}
	const key = `"timestamp":"`
	i := bytes.Index(ev, []byte(key))
	if i < 0 {
		return ev
	}
	start := i + len(key)
	end := bytes.IndexByte(ev[start:], '"')
	if end < 0 {
		return ev
	}
	t, err := time.Parse(time.RFC3339Nano, string(ev[start:start+end]))
	if err != nil {
		return ev
	}
	out := make([]byte, 0, len(ev))
	out = append(out, ev[:i]...)
	out = append(out, `"timestamp":`...)
	out = appendEpoch(out, t)
	return append(out, ev[start+end+1:]...)
}

// stripData returns the event without the input and output of its
// details.
func stripData(o *jsonv.Object) *jsonv.Object {
	out := jsonv.NewObject(o.Len())
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		if d, ok := v.(*jsonv.Object); ok && len(k) > len("EventDetails") && k[len(k)-len("EventDetails"):] == "EventDetails" {
			nd := jsonv.NewObject(d.Len())
			for _, dk := range d.Keys() {
				if dk == "input" || dk == "output" {
					continue
				}
				dv, _ := d.Get(dk)
				nd.Set(dk, dv)
			}
			v = nd
		}
		out.Set(k, v)
	}
	return out
}

// RedriveExecution.

type redriveInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken"`
}

func (s *Service) redriveExecution(ctx context.Context, body []byte) (any, error) {
	var in redriveInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.ClientToken) > 64 {
		return nil, errTooLong("clientToken", in.ClientToken, 64, false)
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if st, reason := redriveStatus(ex.Status); st != "REDRIVABLE" {
		return nil, apiError(CodeExecutionNotRedrivable, reason)
	}
	if ex.MapRunArn != "" {
		// A child of a distributed Map runs again when its parent is
		// redriven.
		return nil, apiError(CodeExecutionNotRedrivable, "Execution "+ex.Arn+" cannot be redriven")
	}
	when, err := s.run.Redrive(ctx, ex.Arn)
	switch {
	case errors.Is(err, runner.ErrNotRedrivable):
		return nil, apiError(CodeExecutionNotRedrivable, "Execution "+ex.Arn+" cannot be redriven")
	case err != nil:
		return nil, err
	}
	return struct {
		RedriveDate epoch `json:"redriveDate"`
	}{epoch(when)}, nil
}

// Map runs: the store records one per distributed Map run (the runner
// commits it with the execution's steps).

type mapRunArnInput struct {
	MapRunArn string `json:"mapRunArn"`
}

// getMapRun validates raw as a map run ARN and returns the map run;
// ResourceNotFound if there is none.
func (s *Service) getMapRun(ctx context.Context, raw string) (store.MapRun, error) {
	return getByARN(ctx, raw, kindMapRun, s.st.GetMapRun, errResourceNotFound)
}

// mapRunCounts is DescribeMapRun's itemCounts and executionCounts.
type mapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

// counts is a map run's DescribeMapRun counts.
func counts(m store.MapRun) mapRunCounts {
	c := mapRunCounts{Succeeded: m.ItemsSucceeded, Failed: m.ItemsFailed, Total: m.ItemsTotal}
	c.Running, c.Pending, c.Aborted = m.Unfinished()
	return c
}

type describeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  epoch        `json:"startDate"`
	StopDate                   epoch        `json:"stopDate,omitzero"`
	MaxConcurrency             int          `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 mapRunCounts `json:"itemCounts"`
	ExecutionCounts            mapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
	RedriveDate                epoch        `json:"redriveDate,omitzero"`
}

func (s *Service) describeMapRun(ctx context.Context, body []byte) (any, error) {
	var in mapRunArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.getMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	c := counts(m)
	return describeMapRunOutput{
		MapRunArn: m.Arn, ExecutionArn: m.ExecutionArn, Status: m.Status,
		StartDate: epoch(m.StartDate), StopDate: epoch(m.StopDate), MaxConcurrency: m.MaxConcurrency,
		ToleratedFailurePercentage: m.ToleratedFailurePercentage, ToleratedFailureCount: m.ToleratedFailureCount,
		ItemCounts: c, ExecutionCounts: c, RedriveCount: m.RedriveCount, RedriveDate: epoch(m.RedriveDate),
	}, nil
}

type updateMapRunInput struct {
	MapRunArn                  string   `json:"mapRunArn"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
}

// updateMapRun changes a map run's settings. A map run of a running
// execution takes them at once (more children in flight, or a failure
// tolerance that fails it); otherwise they are only stored.
func (s *Service) updateMapRun(ctx context.Context, body []byte) (any, error) {
	var in updateMapRunInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MaxConcurrency != nil && *in.MaxConcurrency < 0 {
		return nil, errTooSmall("maxConcurrency", *in.MaxConcurrency, 0)
	}
	if in.ToleratedFailureCount != nil && *in.ToleratedFailureCount < 0 {
		return nil, errTooSmall("toleratedFailureCount", *in.ToleratedFailureCount, 0)
	}
	if p := in.ToleratedFailurePercentage; p != nil && (*p < 0 || *p > 100) {
		return nil, errValidation("1 validation error detected: Value '" + strconv.FormatFloat(*p, 'f', -1, 64) +
			"' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100")
	}
	m, err := s.getMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	var u store.MapRunUpdate
	if in.MaxConcurrency != nil {
		n := int(min(*in.MaxConcurrency, math.MaxInt32))
		u.MaxConcurrency = &n
	}
	u.ToleratedFailureCount, u.ToleratedFailurePercentage = in.ToleratedFailureCount, in.ToleratedFailurePercentage
	err = s.run.UpdateMapRun(ctx, m.ExecutionArn, engine.UpdateMapRunInput{MapRunArn: m.Arn, MaxConcurrency: u.MaxConcurrency,
		ToleratedFailureCount: u.ToleratedFailureCount, ToleratedFailurePercentage: u.ToleratedFailurePercentage})
	switch {
	case err == nil:
		return struct{}{}, nil
	case !errors.Is(err, runner.ErrNotRunning) && !errors.Is(err, runner.ErrExecutionNotFound):
		return nil, err
	}
	if err := s.st.UpdateMapRun(ctx, in.MapRunArn, u); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errResourceNotFound(in.MapRunArn)
		}
		return nil, err
	}
	return struct{}{}, nil
}

type listMapRunsInput struct {
	ExecutionArn string `json:"executionArn"`
	MaxResults   int64  `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

type mapRunListItem struct {
	ExecutionArn    string `json:"executionArn"`
	MapRunArn       string `json:"mapRunArn"`
	StateMachineArn string `json:"stateMachineArn"`
	StartDate       epoch  `json:"startDate"`
	StopDate        epoch  `json:"stopDate,omitzero"`
}

type listMapRunsOutput struct {
	MapRuns   []mapRunListItem `json:"mapRuns"`
	NextToken string           `json:"nextToken,omitempty"`
}

const tokenMapRuns = "maprun"

func (s *Service) listMapRuns(ctx context.Context, body []byte) (any, error) {
	var in listMapRunsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, after, err := page(listInput{MaxResults: in.MaxResults, NextToken: in.NextToken}, tokenMapRuns)
	if err != nil {
		return nil, err
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	runs, next, err := s.st.ListMapRuns(ctx, ex.Arn, limit, after)
	if err != nil {
		return nil, listError(err)
	}
	out := listMapRunsOutput{MapRuns: make([]mapRunListItem, 0, len(runs)), NextToken: encodeToken(tokenMapRuns, next)}
	for _, m := range runs {
		out.MapRuns = append(out.MapRuns, mapRunListItem{
			ExecutionArn: m.ExecutionArn, MapRunArn: m.Arn, StateMachineArn: m.StateMachineArn,
			StartDate: epoch(m.StartDate), StopDate: epoch(m.StopDate),
		})
	}
	return out, nil
}
