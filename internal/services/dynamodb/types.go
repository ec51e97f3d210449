package dynamodb

import (
	"strconv"
	"time"
)

// Wire shapes shared by several actions, with the model's member names.

// AttributeDefinition names a key attribute and its type (S, N or B).
type AttributeDefinition struct {
	AttributeName string
	AttributeType string
}

// KeySchemaElement is one key attribute of a table or index.
type KeySchemaElement struct {
	AttributeName string
	KeyType       string
}

// Projection is the attributes an index holds.
type Projection struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

// ProvisionedThroughput is a table's or index's capacity.
type ProvisionedThroughput struct {
	ReadCapacityUnits  *int64 `json:",omitempty"`
	WriteCapacityUnits *int64 `json:",omitempty"`
}

// OnDemandThroughput caps an on-demand table's or index's request units.
type OnDemandThroughput struct {
	MaxReadRequestUnits  *int64 `json:",omitempty"`
	MaxWriteRequestUnits *int64 `json:",omitempty"`
}

// WarmThroughput is a table's or index's pre-warmed throughput.
type WarmThroughput struct {
	ReadUnitsPerSecond  *int64 `json:",omitempty"`
	WriteUnitsPerSecond *int64 `json:",omitempty"`
}

// StreamSpecification is a table's stream setting (echoed; streams are
// not emulated).
type StreamSpecification struct {
	StreamEnabled  bool
	StreamViewType string `json:",omitempty"`
}

// SSESpecification is a table's server-side encryption setting.
type SSESpecification struct {
	Enabled        *bool  `json:",omitempty"`
	SSEType        string `json:",omitempty"`
	KMSMasterKeyID string `json:"KMSMasterKeyId,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// indexInput is a GlobalSecondaryIndex or LocalSecondaryIndex of a
// request.
type indexInput struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            *Projection
	ProvisionedThroughput *ProvisionedThroughput
	OnDemandThroughput    *OnDemandThroughput
	WarmThroughput        *WarmThroughput
}

// epoch is a timestamp as awsJson encodes it: seconds since the Unix epoch
// with a millisecond fraction, a JSON number.
type epoch time.Time

// MarshalJSON writes the seconds with three decimals.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	b := strconv.AppendInt(nil, ms/1000, 10)
	frac := ms % 1000
	if frac < 0 {
		frac = -frac
	}
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10)), nil
}

// IsZero reports an unset time, so `omitzero` leaves it out.
func (t epoch) IsZero() bool { return time.Time(t).IsZero() }
