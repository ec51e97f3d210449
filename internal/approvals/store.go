package approvals

import "time"

// migrations create the service's tables; append new steps, never edit a
// released one.
var migrations = []string{
	// Unused: the link key is DB.Secret("approval-links") now.
	`CREATE TABLE approvals_keys (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		key BLOB NOT NULL
	)`,
	// created_at and decided_at are Unix nanoseconds, expires_at Unix
	// seconds (it is signed). decision is '' until decided; outcome is ''
	// until the decision is delivered, then 'delivered' or 'not_waiting'.
	`CREATE TABLE approvals_requests (
		id            TEXT PRIMARY KEY,
		task_token    TEXT NOT NULL,
		execution_arn TEXT NOT NULL,
		state_name    TEXT NOT NULL,
		title         TEXT NOT NULL,
		details       TEXT NOT NULL,
		created_at    INTEGER NOT NULL,
		expires_at    INTEGER NOT NULL,
		decision      TEXT NOT NULL DEFAULT '',
		decided_at    INTEGER NOT NULL DEFAULT 0,
		outcome       TEXT NOT NULL DEFAULT '',
		problem       TEXT NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX approvals_requests_created ON approvals_requests (created_at)`,
	`CREATE INDEX approvals_requests_expires ON approvals_requests (expires_at)`,
}

// Delivery outcomes of a decision.
const (
	outcomeDelivered  = "delivered"
	outcomeNotWaiting = "not_waiting"
)

const recordColumns = `id, task_token, execution_arn, state_name, title, details,
	created_at, expires_at, decision, decided_at, outcome, problem`

// scanRecord reads one row of recordColumns; now decides whether an
// undecided request has expired.
func scanRecord(row interface{ Scan(...any) error }, now time.Time) (Record, error) {
	var r Record
	var created, expires, decided int64
	if err := row.Scan(&r.ID, &r.token, &r.ExecutionArn, &r.StateName, &r.Title, &r.Details,
		&created, &expires, &r.Decision, &decided, &r.outcome, &r.Problem); err != nil {
		return Record{}, err
	}
	r.CreatedAt = time.Unix(0, created).UTC()
	r.ExpiresAt = time.Unix(expires, 0).UTC()
	if decided != 0 {
		r.DecidedAt = time.Unix(0, decided).UTC()
	}
	r.Status = status(r.Decision, r.outcome, r.ExpiresAt, now)
	return r, nil
}

// status is a request's Status.
func status(decision, outcome string, expires, now time.Time) string {
	switch {
	case decision == "" && !now.Before(expires):
		return StatusExpired
	case decision == "":
		return StatusPending
	case outcome == "":
		return StatusDelivering
	case outcome == outcomeNotWaiting:
		return StatusNotWaiting
	case decision == DecisionApprove:
		return StatusApproved
	}
	return StatusRejected
}
