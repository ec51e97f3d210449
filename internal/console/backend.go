// Package console owns Stepflow's web console: server-rendered pages (with
// small progressive-enhancement scripts) that show state machines as graphs,
// executions coloured by what happened to each state, their history, and the
// other emulated services (outbox, queues, schedules, functions, approvals),
// and that let a person start, stop and redrive executions, complete waiting
// callbacks and follow approval links.
//
// The console reads and acts through the Backend interface only; the
// composition root (internal/app) implements it on top of the services. The
// console never imports a service package.
//
// Every page is rendered on the server with html/template and works without
// JavaScript; the scripts under static/ (served from {Prefix}/static/, the
// only script source the Content-Security-Policy allows) add the live
// updates, the state details panel, JSON validation and copy buttons.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// ErrNotAvailable is returned by a Backend method whose service is not wired
// into this server; the page says so in words instead of failing.
var ErrNotAvailable = errors.New("not available on this server")

// ErrNotFound is returned by a Backend method when the named resource does not
// exist; the console answers 404 with an error page.
var ErrNotFound = errors.New("not found")

// Backend is what the console reads and acts on. Every method may return
// ErrNotAvailable (the service is not wired) or ErrNotFound (no such
// resource); any other error is shown to the person in words (its Error
// text), so actions should return errors worded as the API would word them
// (e.g. "ExecutionAlreadyExists: Execution Already Exists: '…'").
type Backend interface {
	// ListStateMachines returns one page of state machines, oldest first or
	// in any stable order; token is "" for the first page or a NextToken.
	ListStateMachines(ctx context.Context, token string, limit int) (StateMachinePage, error)
	// DescribeStateMachine returns a state machine with its definition,
	// versions and aliases.
	DescribeStateMachine(ctx context.Context, arn string) (StateMachineDetail, error)

	// ListExecutions returns one page of executions matching f, newest first.
	ListExecutions(ctx context.Context, f ExecutionFilter) (ExecutionPage, error)
	// DescribeExecution returns one execution, with the definition it runs.
	DescribeExecution(ctx context.Context, arn string) (Execution, error)
	// ListMapRuns returns an execution's Distributed Map runs, newest
	// first (none for an execution without a distributed Map).
	ListMapRuns(ctx context.Context, executionArn string) ([]MapRun, error)
	// DescribeMapRun returns one map run, with the ItemProcessor
	// definition its child executions run.
	DescribeMapRun(ctx context.Context, arn string) (MapRun, error)
	// GetHistory returns every history event of an execution, oldest first,
	// each a JSON object exactly as GetExecutionHistory writes it (id,
	// previousEventId, timestamp, type, *EventDetails).
	GetHistory(ctx context.Context, arn string) ([]json.RawMessage, error)

	// StartExecution starts an execution and returns its ARN; name may be
	// "" (the service picks one).
	StartExecution(ctx context.Context, stateMachineArn, name, input string) (string, error)
	// StopExecution stops a running execution.
	StopExecution(ctx context.Context, arn, errorCode, cause string) error
	// RedriveExecution redrives a failed, timed out or aborted execution.
	RedriveExecution(ctx context.Context, arn string) error
	// SendTaskSuccess completes a waiting task token with output (JSON).
	SendTaskSuccess(ctx context.Context, token, output string) error
	// SendTaskFailure fails a waiting task token.
	SendTaskFailure(ctx context.Context, token, errorCode, cause string) error
	// PendingCallbacks returns the task tokens an execution is waiting on.
	PendingCallbacks(ctx context.Context, executionArn string) ([]Callback, error)

	// Outbox returns the newest limit e-mails sent, newest first.
	Outbox(ctx context.Context, limit int) ([]Email, error)
	// Queues returns every queue with its message counts.
	Queues(ctx context.Context) ([]Queue, error)
	// PeekQueue returns up to n messages of a queue without receiving them
	// (their visibility and receive counts do not change).
	PeekQueue(ctx context.Context, url string, n int) ([]QueueMessage, error)
	// Schedules returns every schedule with its next fire time.
	Schedules(ctx context.Context) ([]Schedule, error)
	// Functions returns every Lambda function.
	Functions(ctx context.Context) ([]Function, error)
	// FunctionInvocations returns a function's n most recent invocations,
	// newest first.
	FunctionInvocations(ctx context.Context, name string, n int) ([]Invocation, error)
	// Approvals returns approval requests, newest first; only those still
	// waiting for a decision when pendingOnly is set.
	Approvals(ctx context.Context, pendingOnly bool) ([]Approval, error)
}

// StateMachinePage is one page of ListStateMachines.
type StateMachinePage struct {
	StateMachines []StateMachine
	// NextToken fetches the next page; "" on the last one.
	NextToken string
}

// StateMachine is a state machine as a list shows it.
type StateMachine struct {
	Arn          string
	Name         string
	Type         string // STANDARD or EXPRESS
	CreationDate time.Time
	// LatestVersion is the newest published version number ("" if none).
	LatestVersion string
	// Aliases names the state machine's aliases.
	Aliases []string
}

// StateMachineDetail is a state machine with its definition, versions and
// aliases.
type StateMachineDetail struct {
	StateMachine
	Status      string // ACTIVE or DELETING
	Definition  string // the ASL text as written
	RoleArn     string
	Description string
	Versions    []Version // newest first
	AliasList   []Alias
}

// Version is a published state machine version.
type Version struct {
	Arn          string
	Number       string
	Description  string
	CreationDate time.Time
}

// Alias is a state machine alias with its routing.
type Alias struct {
	Arn          string
	Name         string
	Description  string
	CreationDate time.Time
	Routing      []Route
}

// Route is one entry of an alias's routing configuration.
type Route struct {
	VersionArn string
	Weight     int
}

// ExecutionFilter selects executions for ListExecutions. Zero fields do not
// filter.
type ExecutionFilter struct {
	StateMachineArn string
	// Status is RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or
	// PENDING_REDRIVE.
	Status     string
	NamePrefix string
	// MapRunArn keeps the child executions of this Distributed Map run.
	MapRunArn string
	// StartedAfter and StartedBefore bound the start date (inclusive).
	StartedAfter  time.Time
	StartedBefore time.Time
	// Search keeps executions whose input or output contains this text.
	Search string
	// Token is "" for the first page or a previous page's NextToken.
	Token string
	Limit int
}

// ExecutionPage is one page of ListExecutions.
type ExecutionPage struct {
	Executions []ExecutionSummary
	NextToken  string
}

// ExecutionSummary is an execution as a list shows it.
type ExecutionSummary struct {
	Arn              string
	Name             string
	StateMachineArn  string
	StateMachineName string
	Status           string
	StartDate        time.Time
	StopDate         time.Time // zero while running
	// MapRunArn is set for a Distributed Map's child execution: the map
	// run that started it.
	MapRunArn string
	// ItemCount is a child execution's number of items (1, or a batch's).
	ItemCount int
}

// Execution is one execution in full.
type Execution struct {
	ExecutionSummary
	Input  string // JSON text
	Output string // JSON text; "" unless succeeded
	Error  string
	Cause  string
	// Definition is the definition the execution runs (the version's, when
	// started through a version or alias).
	Definition       string
	RedriveCount     int
	RedriveStatus    string // REDRIVABLE, NOT_REDRIVABLE, ... ("" if unknown)
	VersionArn       string
	AliasArn         string
	ParentArn        string // the execution that started this one, if any
	StateMachineType string // STANDARD or EXPRESS ("" means STANDARD)
}

// MapRun is a Distributed Map state's map run: the child executions one
// run of the Map state started, as DescribeMapRun shows it.
type MapRun struct {
	Arn string
	// ExecutionArn is the parent execution, whose Map state ran.
	ExecutionArn string
	// StateMachineArn is what the child executions run, as AWS names it:
	// the parent's state machine ARN, "/" and the Map state's label.
	StateMachineArn string
	Status          string // RUNNING, SUCCEEDED, FAILED or ABORTED
	StartDate       time.Time
	StopDate        time.Time // zero while running
	// MaxConcurrency bounds the children running at once (0: no limit).
	MaxConcurrency int
	// ToleratedFailureCount and ToleratedFailurePercentage are the failures
	// the map run tolerates before it fails (0: none).
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Item counts, as DescribeMapRun's itemCounts: every item in Total is
	// pending, running, succeeded, failed or aborted.
	ItemsTotal     int64
	ItemsPending   int64
	ItemsRunning   int64
	ItemsSucceeded int64
	ItemsFailed    int64
	ItemsAborted   int64
	// Definition is the ItemProcessor the children run (JSON text).
	Definition string
}

// Label returns the map run's label: the Map state's Label field (or the
// name AWS made up when it has none), read from the ARN
// (arn:aws:states:region:account:mapRun:machine/label:id).
func (m MapRun) Label() string {
	return MapRunLabel(m.Arn)
}

// MapRunLabel returns the label part of a map run ARN, or the whole ARN
// when it is not shaped as one.
func MapRunLabel(arn string) string {
	_, rest, ok := strings.Cut(arn, ":mapRun:")
	if !ok {
		return arn
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		rest = rest[:i]
	}
	if _, label, ok := strings.Cut(rest, "/"); ok && label != "" {
		return label
	}
	return arn
}

// ParentStateMachineArn returns the state machine a map run's (or its
// child's) state machine ARN belongs to: the part before the "/label".
func ParentStateMachineArn(arn string) string {
	i := strings.LastIndex(arn, ":stateMachine:")
	if i < 0 {
		return arn
	}
	if j := strings.IndexByte(arn[i:], '/'); j >= 0 {
		return arn[:i+j]
	}
	return arn
}

// Callback is a task token an execution waits on (.waitForTaskToken).
type Callback struct {
	TaskToken string
	StateName string
	Resource  string
	Since     time.Time
}

// Email is one message of the SES outbox.
type Email struct {
	ID      string
	From    string
	To      []string
	Subject string
	Date    time.Time
	Status  string // e.g. "stored", "relayed", "failed"
	// Link is the page showing the message (e.g. /outbox/{id}).
	Link string
}

// Queue is an SQS queue with its approximate message counts.
type Queue struct {
	Name     string
	URL      string
	Visible  int
	InFlight int
	Delayed  int
}

// QueueMessage is a message seen by PeekQueue.
type QueueMessage struct {
	MessageID    string
	Body         string
	SentAt       time.Time
	ReceiveCount int
	GroupID      string // FIFO queues
}

// Schedule is an EventBridge Scheduler schedule.
type Schedule struct {
	Group      string
	Name       string
	Expression string // at(...), rate(...) or cron(...)
	Timezone   string
	State      string // ENABLED or DISABLED
	NextFire   time.Time
	Target     string // target ARN
}

// Function is a Lambda function.
type Function struct {
	Name         string
	Arn          string
	Runtime      string
	Handler      string
	State        string
	LastModified time.Time
	MemoryMB     int
	TimeoutSec   int
}

// Invocation is one invocation of a function.
type Invocation struct {
	RequestID string
	Start     time.Time
	Duration  time.Duration
	Status    string // "Success" or an error type
	Error     string
	Log       string
}

// Approval is a human approval request.
type Approval struct {
	ID           string
	ExecutionArn string
	StateName    string
	Title        string
	Status       string // PENDING, APPROVED, REJECTED, EXPIRED
	Created      time.Time
	Expires      time.Time
	// ApproveURL and RejectURL open the approval pages (signed links);
	// empty once decided.
	ApproveURL string
	RejectURL  string
}
