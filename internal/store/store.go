// Package store is Stepflow's durable state: state machines, their versions
// and aliases, activities, executions with their history, and what a running
// execution waits for. The runner commits each transition of an execution
// in one transaction (Store.Commit); after a crash it rebuilds running
// executions by replaying their logged inputs (Store.Running).
//
// Implementations: sqlite (the default, one file in the data folder) and a
// shared conformance suite in storetest that every implementation passes.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors callers branch on.
var (
	// ErrNotFound: the named resource does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a resource with that name (or ARN) already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalidCursor: a paging cursor (after) that no list call returned.
	ErrInvalidCursor = errors.New("invalid paging cursor")
)

// ConflictError is returned by Commit when an execution's stored history
// length is not the one the transition expects: another writer got there
// first, so the caller's view is stale. Nothing was written.
type ConflictError struct {
	ExecutionArn string
	Want, Have   int64
}

func (e *ConflictError) Error() string {
	return "store: history of " + e.ExecutionArn + " changed concurrently"
}

// Tag is a resource tag.
type Tag struct{ Key, Value string }

// StateMachine is a state machine's latest revision.
type StateMachine struct {
	Arn          string
	Name         string
	Type         string // STANDARD or EXPRESS
	Definition   string
	RoleArn      string
	Description  string
	RevisionID   string
	Status       string // ACTIVE or DELETING
	CreationDate time.Time
	UpdateDate   time.Time
	// Configuration holds the rest of the API shape as JSON text
	// (loggingConfiguration, tracingConfiguration, encryptionConfiguration).
	Configuration string
}

// Version is a published, immutable state machine version; its ARN is the
// state machine ARN with ":N".
type Version struct {
	Arn             string
	StateMachineArn string
	Number          int64
	Definition      string
	RoleArn         string
	Description     string
	RevisionID      string
	CreationDate    time.Time
	Configuration   string
}

// Alias routes executions to one or two versions; Routing is the
// routingConfiguration JSON text.
type Alias struct {
	Arn             string
	StateMachineArn string
	Name            string
	Description     string
	Routing         string
	CreationDate    time.Time
	UpdateDate      time.Time
}

// Activity is an activity resource.
type Activity struct {
	Arn          string
	Name         string
	CreationDate time.Time
}

// Execution is one execution's summary, as DescribeExecution shows it.
type Execution struct {
	Arn             string
	StateMachineArn string // the state machine (not version) ARN
	VersionArn      string // set when started through a version or alias
	AliasArn        string // set when started through an alias
	MapRunArn       string // set for a distributed Map's child execution
	ItemCount       int    // a child execution's items (1, or a batch's)
	Name            string
	Type            string // STANDARD or EXPRESS
	Definition      string // the definition it runs (versions are immutable; the latest may change)
	RoleArn         string
	Status          string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
	Input           string // exactly as sent
	Output          string // set when SUCCEEDED
	HasOutput       bool
	Error           string
	Cause           string
	StartDate       time.Time
	StopDate        time.Time // zero while running
	RedriveCount    int
	RedriveDate     time.Time
	Seed            uint64 // the engine seed: replay needs it
	TraceHeader     string
	HistoryLen      int64 // events stored
}

// Input is one input fed to a running execution's engine, logged so the
// execution can be rebuilt by replay: Seq counts from 1 per execution; Kind
// and Payload are the runner's encoding of the engine input.
type Input struct {
	Seq     int64
	At      time.Time
	Kind    string
	Payload []byte
}

// Event is one history event as GetExecutionHistory returns it (JSON).
type Event struct {
	ID   int64
	JSON []byte
}

// Timer is something an execution waits for until Due.
type Timer struct {
	ExecutionArn string
	TimerID      string
	Due          time.Time
}

// Token maps a task token to the task that waits for it.
type Token struct {
	Token        string
	ExecutionArn string
	TaskID       string
	ActivityArn  string // set for activity tasks
	Input        string // the task input, for GetActivityTask
	Heartbeat    int64  // seconds; 0 none
	Created      time.Time
	Leased       bool // an activity worker took it (GetActivityTask)
}

// Transition is what one step of one execution changes, committed
// atomically: the execution row, its logged input, its new history events,
// and the timers and tokens it starts or ends.
type Transition struct {
	// Execution is the new summary. With Create, it is inserted (ErrExists
	// if the ARN is taken); otherwise it replaces the stored one's changing
	// fields (Status, Output, HasOutput, Error, Cause, StopDate,
	// RedriveCount, RedriveDate, TraceHeader) and ErrNotFound if it is
	// missing. The fields fixed at start (ARNs, Name, Type, Definition,
	// RoleArn, Input, StartDate, Seed) keep their stored values. HistoryLen
	// is ignored: the store sets it to HistoryFrom+len(Events).
	Execution Execution
	Create    bool
	// HistoryFrom is the stored history length the transition builds on
	// (0 with Create); Commit fails with *ConflictError when it differs.
	HistoryFrom int64
	Inputs      []Input
	Events      []Event // ids HistoryFrom+1, HistoryFrom+2, …
	// Timers and tokens: removals apply before additions, transition by
	// transition, so a transition may re-arm a timer it removes. Adding a
	// timer id that exists moves its Due; removing a missing one is no
	// error. A timer's or token's empty ExecutionArn means this execution.
	AddTimers    []Timer
	RemoveTimers []string // timer ids of this execution
	AddTokens    []Token  // ErrExists if a token is taken
	RemoveTokens []string
	// MapRuns are the execution's map runs this transition starts or
	// changes, upserted by Arn. An inserted map run is stored whole; an
	// existing one gets Status, StopDate, the settings, the item counts and
	// the redrive count and date (the running execution's engine holds the
	// settings UpdateMapRun gives it), while its other fields keep their
	// stored values.
	MapRuns []MapRun
}

// MapRun is a distributed Map state's map run, as DescribeMapRun shows it.
type MapRun struct {
	Arn          string
	ExecutionArn string
	// StateMachineArn is the state machine the map run executes, as AWS
	// names it (the parent's ARN with "/" and the Map state's label).
	StateMachineArn string
	Status          string // RUNNING, SUCCEEDED, FAILED or ABORTED
	StartDate       time.Time
	StopDate        time.Time // zero while running
	MaxConcurrency  int       // 0: no limit
	// ToleratedFailureCount and ToleratedFailurePercentage are the map
	// run's failure tolerance (0: none).
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Item counts: items (child executions) in all, succeeded and failed.
	ItemsTotal     int64
	ItemsSucceeded int64
	ItemsFailed    int64
	ItemsRunning   int64 // in flight now (0 once the map run ended)
	// RedriveCount counts the map run's redrives (its execution's
	// RedriveExecution); RedriveDate is the last one's time.
	RedriveCount int
	RedriveDate  time.Time
	// Definition is the ItemProcessor the children run (JSON).
	Definition string
}

// Unfinished splits the children of m that neither succeeded nor failed:
// while it runs, those in flight and those waiting to start; once it
// ended, they were aborted.
func (m MapRun) Unfinished() (running, pending, aborted int64) {
	rest := max(m.ItemsTotal-m.ItemsSucceeded-m.ItemsFailed, 0)
	if m.Status != "RUNNING" {
		return 0, 0, rest
	}
	running = min(rest, m.ItemsRunning)
	return running, rest - running, 0
}

// MapRunUpdate changes a map run's settings (UpdateMapRun); nil fields
// stay as they are.
type MapRunUpdate struct {
	MaxConcurrency             *int
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}

// ListExecutionsFilter selects executions. Empty fields match all.
type ListExecutionsFilter struct {
	StateMachineArn string // the machine, a version ARN or an alias ARN
	// MapRunArn lists a distributed Map's child executions. Without it and
	// StateMachineArn, every execution but those children is listed.
	MapRunArn string
	Status    string
	Limit     int    // 0: 100
	After     string // paging cursor from the previous page
}

// List calls return at most limit items (0: 100) and the cursor of the next
// page, empty on the last one; after is "" for the first page, otherwise a
// cursor a list call of the same kind returned (ErrInvalidCursor if not).
// Rows added meanwhile never cause a duplicate or a gap. Orders: state
// machines, aliases and activities by creation date; versions newest first
// (descending Number); executions newest first (StartDate, then ARN, both
// descending). ListExecutions items carry the summary only: Definition,
// Input and Output are empty (GetExecution has them).

// ListMapRuns orders an execution's map runs newest first (StartDate, then
// ARN, both descending).

// RunningExecution is a RUNNING execution with what replay needs.
type RunningExecution struct {
	Execution Execution
	Inputs    []Input
}

// Store is the durable state. Implementations are safe for concurrent use.
type Store interface {
	// State machines, versions, aliases, activities, tags. Create returns
	// ErrExists when the name is taken; Get/Update/Delete return ErrNotFound.
	CreateStateMachine(ctx context.Context, sm StateMachine, tags []Tag) error
	GetStateMachine(ctx context.Context, arn string) (StateMachine, error)
	UpdateStateMachine(ctx context.Context, sm StateMachine) error
	DeleteStateMachine(ctx context.Context, arn string) error
	ListStateMachines(ctx context.Context, limit int, after string) ([]StateMachine, string, error)

	// PublishVersion assigns Number (1, 2, … per state machine, never
	// reused while the state machine exists) and Arn; ErrNotFound if the
	// state machine does not exist. DeleteStateMachine deletes its
	// versions, aliases and tags; its executions stay.
	PublishVersion(ctx context.Context, v Version) (Version, error)
	GetVersion(ctx context.Context, arn string) (Version, error)
	ListVersions(ctx context.Context, stateMachineArn string, limit int, after string) ([]Version, string, error)
	DeleteVersion(ctx context.Context, arn string) error

	CreateAlias(ctx context.Context, a Alias) error
	GetAlias(ctx context.Context, arn string) (Alias, error)
	UpdateAlias(ctx context.Context, a Alias) error
	DeleteAlias(ctx context.Context, arn string) error
	ListAliases(ctx context.Context, stateMachineArn string, limit int, after string) ([]Alias, string, error)

	CreateActivity(ctx context.Context, a Activity, tags []Tag) error
	GetActivity(ctx context.Context, arn string) (Activity, error)
	DeleteActivity(ctx context.Context, arn string) error
	ListActivities(ctx context.Context, limit int, after string) ([]Activity, string, error)

	// Tags belong to state machines and activities (ErrNotFound for any
	// other ARN). TagResource overwrites values by key; UntagResource
	// ignores missing keys; ListTags returns them in the order first added.
	TagResource(ctx context.Context, arn string, tags []Tag) error
	UntagResource(ctx context.Context, arn string, keys []string) error
	ListTags(ctx context.Context, arn string) ([]Tag, error)

	// Executions.
	Commit(ctx context.Context, batch []Transition) error // all or nothing, one transaction
	GetExecution(ctx context.Context, arn string) (Execution, error)
	ListExecutions(ctx context.Context, f ListExecutionsFilter) ([]Execution, string, error)
	// History returns up to limit events (limit <= 0: all) after fromID:
	// ids > fromID ascending, or with reverse ids < fromID descending
	// (fromID 0: from the last event). The last id returned is the next
	// page's fromID. ErrNotFound if the execution does not exist.
	History(ctx context.Context, executionArn string, fromID int64, limit int, reverse bool) ([]Event, error)
	// Running returns the RUNNING executions, each with its inputs in Seq
	// order; not distributed Map children (their parent's replay rebuilds
	// them).
	Running(ctx context.Context) ([]RunningExecution, error)
	// Inputs returns an execution's logged inputs in Seq order, whatever
	// its status (a redrive replays a finished execution). ErrNotFound if
	// the execution does not exist.
	Inputs(ctx context.Context, executionArn string) ([]Input, error)
	// GetMapRun returns a map run; ErrNotFound if there is none.
	GetMapRun(ctx context.Context, arn string) (MapRun, error)
	// ListMapRuns lists an execution's map runs (an unknown execution has
	// none).
	ListMapRuns(ctx context.Context, executionArn string, limit int, after string) ([]MapRun, string, error)
	// UpdateMapRun changes a map run's settings; ErrNotFound if there is
	// none.
	UpdateMapRun(ctx context.Context, arn string, u MapRunUpdate) error
	// Timers returns every timer, by Due.
	Timers(ctx context.Context) ([]Timer, error)
	// Secret returns the random 32-byte key kept under name, made on first
	// use; it is the same for the life of the store (e.g. the key that
	// signs task tokens).
	Secret(ctx context.Context, name string) ([]byte, error)
	Token(ctx context.Context, token string) (Token, error)
	// LeaseActivityTask marks the oldest unleased token of an activity as
	// leased and returns it; ErrNotFound when there is none.
	LeaseActivityTask(ctx context.Context, activityArn string) (Token, error)
	// ReleaseActivityTasks makes leased tokens available to
	// LeaseActivityTask again (tasks handed out just before a crash, whose
	// worker never got them). Unknown tokens are ignored.
	ReleaseActivityTasks(ctx context.Context, tokens []string) error

	Close() error
}
