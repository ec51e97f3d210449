package events

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/stepflow/stepflow/internal/dispatch"
)

// Target is one target of a rule, as the API carries it. Deliver receives
// it with RuleArn set to the rule that matched or fired.
type Target struct {
	Id                          string            `json:"Id"`
	Arn                         string            `json:"Arn"`
	RoleArn                     string            `json:"RoleArn,omitempty"`
	Input                       string            `json:"Input,omitempty"`
	InputPath                   string            `json:"InputPath,omitempty"`
	InputTransformer            *InputTransformer `json:"InputTransformer,omitempty"`
	SqsParameters               *SqsParameters    `json:"SqsParameters,omitempty"`
	RetryPolicy                 *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig            *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	KinesisParameters           json.RawMessage   `json:"KinesisParameters,omitempty"`
	RunCommandParameters        json.RawMessage   `json:"RunCommandParameters,omitempty"`
	EcsParameters               json.RawMessage   `json:"EcsParameters,omitempty"`
	BatchParameters             json.RawMessage   `json:"BatchParameters,omitempty"`
	HttpParameters              json.RawMessage   `json:"HttpParameters,omitempty"`
	RedshiftDataParameters      json.RawMessage   `json:"RedshiftDataParameters,omitempty"`
	SageMakerPipelineParameters json.RawMessage   `json:"SageMakerPipelineParameters,omitempty"`
	AppSyncParameters           json.RawMessage   `json:"AppSyncParameters,omitempty"`

	// RuleArn is the rule the delivery is for (set for Deliver only).
	RuleArn string `json:"-"`
}

// InputTransformer builds a target's input from parts of the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// SqsParameters are an SQS target's parameters.
type SqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

// RetryPolicy bounds the delivery attempts of one event.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig names the SQS queue of undeliverable events.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// policy is the retry policy's bounds, with the defaults for what it (or
// a nil policy) leaves out.
func (p *RetryPolicy) policy() dispatch.Policy {
	if p == nil {
		return dispatch.NewPolicy(nil, nil)
	}
	return dispatch.NewPolicy(p.MaximumEventAgeInSeconds, p.MaximumRetryAttempts)
}

// epoch is an awsJson timestamp: seconds since the epoch as a JSON number.
type epoch time.Time

// MarshalJSON writes seconds with three decimals.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	var b []byte
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10)), nil
}

// UnmarshalJSON reads epoch seconds or an ISO 8601 string.
func (t *epoch) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700"} {
			if v, err := time.Parse(layout, s); err == nil {
				*t = epoch(v)
				return nil
			}
		}
		return errors.New("timestamp " + strconv.Quote(s) + " is neither epoch seconds nor ISO 8601")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f > 1e12 || f < -1e12 {
		return errors.New("timestamp " + string(b) + " is not a number of seconds")
	}
	sec := int64(f)
	*t = epoch(time.Unix(sec, int64((f-float64(sec))*1e9)).Round(time.Millisecond))
	return nil
}
