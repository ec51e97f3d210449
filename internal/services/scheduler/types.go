package scheduler

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
)

// Target is a schedule's target, as the API carries it. Deliver receives
// it; Arn is either a universal target
// (arn:aws:scheduler:::aws-sdk:<service>:<action>) or a templated one (the
// ARN of a function, state machine, queue, event bus, ...).
type Target struct {
	Arn                         string                 `json:"Arn"`
	RoleArn                     string                 `json:"RoleArn"`
	Input                       string                 `json:"Input,omitempty"`
	RetryPolicy                 *RetryPolicy           `json:"RetryPolicy,omitempty"`
	DeadLetterConfig            *DeadLetterConfig      `json:"DeadLetterConfig,omitempty"`
	SqsParameters               *SqsParameters         `json:"SqsParameters,omitempty"`
	EventBridgeParameters       *EventBridgeParameters `json:"EventBridgeParameters,omitempty"`
	KinesisParameters           *KinesisParameters     `json:"KinesisParameters,omitempty"`
	EcsParameters               json.RawMessage        `json:"EcsParameters,omitempty"`
	SageMakerPipelineParameters json.RawMessage        `json:"SageMakerPipelineParameters,omitempty"`
}

// Universal reports whether the target is a universal target, and returns
// its service and action (e.g. "sfn", "startExecution").
func (t *Target) Universal() (service, action string, ok bool) {
	rest, ok := strings.CutPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:")
	if !ok {
		return "", "", false
	}
	service, action, ok = strings.Cut(rest, ":")
	return service, action, ok && service != "" && action != ""
}

// RetryPolicy bounds the delivery attempts of one invocation.
type RetryPolicy struct {
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
}

// policy is the retry policy's bounds, with the defaults for what it (or
// a nil policy) leaves out.
func (p *RetryPolicy) policy() dispatch.Policy {
	if p == nil {
		return dispatch.NewPolicy(nil, nil)
	}
	return dispatch.NewPolicy(p.MaximumEventAgeInSeconds, p.MaximumRetryAttempts)
}

// DeadLetterConfig names the SQS queue of undeliverable invocations.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// SqsParameters are the templated SQS target's parameters.
type SqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

// EventBridgeParameters are the templated PutEvents target's parameters.
type EventBridgeParameters struct {
	DetailType string `json:"DetailType"`
	Source     string `json:"Source"`
}

// KinesisParameters are the templated Kinesis target's parameters.
type KinesisParameters struct {
	PartitionKey string `json:"PartitionKey"`
}

// FlexibleTimeWindow spreads invocations over a window after their
// scheduled time.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes *int   `json:"MaximumWindowInMinutes,omitempty"`
}

// epoch is a timestamp on the wire: seconds since the epoch, a JSON number
// with a millisecond fraction. It also decodes ISO 8601 strings (as Step
// Functions' SDK integrations pass them).
type epoch time.Time

// MarshalJSON writes seconds with three decimals.
func (t epoch) MarshalJSON() ([]byte, error) {
	return appendEpoch(nil, time.Time(t)), nil
}

func appendEpoch(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		dst = append(dst, '-')
		ms = -ms
	}
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// UnmarshalJSON reads epoch seconds or an ISO 8601 string.
func (t *epoch) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
			if v, err := time.Parse(layout, s); err == nil {
				*t = epoch(v)
				return nil
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			*t = epoch(fromSeconds(f))
			return nil
		}
		return errors.New("timestamp " + strconv.Quote(s) + " is neither epoch seconds nor ISO 8601")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("timestamp " + string(b) + " is not a number")
	}
	*t = epoch(fromSeconds(f))
	return nil
}

func fromSeconds(f float64) time.Time {
	if f > 1e12 || f < -1e12 {
		f = 0
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).Round(time.Millisecond)
}

func epochPtr(t *time.Time) *epoch {
	if t == nil {
		return nil
	}
	e := epoch(*t)
	return &e
}
