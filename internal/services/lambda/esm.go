package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event source mappings (SQS).
//
// A poller per enabled mapping receives messages with the SQS service's
// Call (Config.SQS), collects up to BatchSize of them within
// MaximumBatchingWindowInSeconds, invokes the function synchronously with
// the batch in the AWS SQS event shape and deletes the messages the
// function handled: all of them when it succeeds, none when it fails, and
// all but the listed ones when FunctionResponseTypes holds
// ReportBatchItemFailures and the function returns batchItemFailures.
// Messages not deleted come back when their visibility timeout expires.

// mapping is an event source mapping, persisted as JSON.
type mapping struct {
	UUID                  string            `json:"uuid"`
	EventSourceArn        string            `json:"eventSourceArn"`
	FunctionName          string            `json:"functionName"`
	Qualifier             string            `json:"qualifier,omitempty"`
	Enabled               bool              `json:"enabled"`
	BatchSize             int               `json:"batchSize"`
	MaxWindow             int               `json:"maxWindow"`
	FunctionResponseTypes []string          `json:"functionResponseTypes"`
	FilterCriteria        json.RawMessage   `json:"filterCriteria,omitempty"`
	ScalingConfig         json.RawMessage   `json:"scalingConfig,omitempty"`
	MetricsConfig         json.RawMessage   `json:"metricsConfig,omitempty"`
	LastModified          time.Time         `json:"lastModified"`
	Tags                  map[string]string `json:"tags,omitempty"`
}

func putMapping(tx *sql.Tx, m *mapping) error {
	_, err := tx.Exec(`INSERT INTO lambda_mappings (uuid, doc) VALUES (?, ?)
		ON CONFLICT (uuid) DO UPDATE SET doc = excluded.doc`, m.UUID, mustJSON(m))
	return err
}

type mappingOut struct {
	UUID                           string          `json:"UUID"`
	BatchSize                      int             `json:"BatchSize"`
	MaximumBatchingWindowInSeconds int             `json:"MaximumBatchingWindowInSeconds"`
	EventSourceArn                 string          `json:"EventSourceArn"`
	FilterCriteria                 json.RawMessage `json:"FilterCriteria,omitempty"`
	FunctionArn                    string          `json:"FunctionArn"`
	LastModified                   epochSeconds    `json:"LastModified"`
	State                          string          `json:"State"`
	StateTransitionReason          string          `json:"StateTransitionReason"`
	FunctionResponseTypes          []string        `json:"FunctionResponseTypes"`
	ScalingConfig                  json.RawMessage `json:"ScalingConfig,omitempty"`
	MetricsConfig                  json.RawMessage `json:"MetricsConfig,omitempty"`
	EventSourceMappingArn          string          `json:"EventSourceMappingArn"`
}

func (s *Service) mappingOut(m *mapping, state string) mappingOut {
	if state == "" {
		state = "Disabled"
		if m.Enabled {
			state = "Enabled"
		}
	}
	frt := m.FunctionResponseTypes
	if frt == nil {
		frt = []string{}
	}
	return mappingOut{
		UUID:                           m.UUID,
		BatchSize:                      m.BatchSize,
		MaximumBatchingWindowInSeconds: m.MaxWindow,
		EventSourceArn:                 m.EventSourceArn,
		FilterCriteria:                 m.FilterCriteria,
		FunctionArn:                    s.qualifiedARN(m.FunctionName, m.Qualifier),
		LastModified:                   epochSeconds(m.LastModified),
		State:                          state,
		StateTransitionReason:          "USER_INITIATED",
		FunctionResponseTypes:          frt,
		ScalingConfig:                  m.ScalingConfig,
		MetricsConfig:                  m.MetricsConfig,
		EventSourceMappingArn:          "arn:aws:lambda:" + s.cfg.Region + ":" + s.cfg.Account + ":event-source-mapping:" + m.UUID,
	}
}

type mappingIn struct {
	UUID                           string
	EventSourceArn                 string
	FunctionName                   *string
	Enabled                        *bool
	BatchSize                      *int
	MaximumBatchingWindowInSeconds *int
	FunctionResponseTypes          *[]string
	FilterCriteria                 json.RawMessage
	ScalingConfig                  json.RawMessage
	MetricsConfig                  json.RawMessage
	StartingPosition               string
	Tags                           map[string]string
	Marker                         string
	MaxItems                       int
}

// apply overlays a request on a mapping and checks the result.
func (s *Service) applyMapping(m *mapping, in *mappingIn) error {
	if in.FunctionName != nil {
		ref, _, err := s.qualifiedLocked(*in.FunctionName, "")
		if err != nil {
			return err
		}
		m.FunctionName, m.Qualifier = ref.name, ref.qualifier
	}
	if in.Enabled != nil {
		m.Enabled = *in.Enabled
	}
	if in.BatchSize != nil {
		m.BatchSize = *in.BatchSize
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		m.MaxWindow = *in.MaximumBatchingWindowInSeconds
	}
	if in.FunctionResponseTypes != nil {
		m.FunctionResponseTypes = *in.FunctionResponseTypes
	}
	if in.FilterCriteria != nil {
		m.FilterCriteria = in.FilterCriteria
	}
	if in.ScalingConfig != nil {
		m.ScalingConfig = in.ScalingConfig
	}
	if in.MetricsConfig != nil {
		m.MetricsConfig = in.MetricsConfig
	}
	if m.BatchSize > 10000 {
		return invalidParam("BatchSize must be less than or equal to 10000 for an SQS event source.")
	}
	if m.BatchSize > 10 && m.MaxWindow == 0 {
		return invalidParam("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	return nil
}

func sqsQueueOf(arn string) (name, account string, ok bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return "", "", false
	}
	return parts[5], parts[4], true
}

func (s *Service) createEventSourceMapping(ctx context.Context, body []byte) (any, error) {
	var in mappingIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, _, ok := sqsQueueOf(in.EventSourceArn); !ok {
		if in.EventSourceArn == "" {
			return nil, invalidParam("Unrecognized event source, must be kafka or specify a valid EventSourceArn.")
		}
		return nil, invalidParam("Stepflow supports SQS event sources only; %s is not an SQS queue ARN.", in.EventSourceArn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &mapping{UUID: newID(), EventSourceArn: in.EventSourceArn, Enabled: true, BatchSize: 10, LastModified: s.cfg.Now()}
	if err := s.applyMapping(m, &in); err != nil {
		return nil, err
	}
	for _, o := range s.mappings {
		if o.EventSourceArn == m.EventSourceArn && o.FunctionName == m.FunctionName && o.Qualifier == m.Qualifier {
			return nil, conflict(`An event source mapping with SQS arn (" %s ") and function (" %s ") already exists. Please update or delete the existing mapping with UUID %s`, m.EventSourceArn, m.FunctionName, o.UUID)
		}
	}
	m.Tags = in.Tags
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putMapping(tx, m) }); err != nil {
		return nil, err
	}
	s.mappings[m.UUID] = m
	s.startPollerLocked(m)
	return s.mappingOut(m, "Creating"), nil
}

func (s *Service) mappingLocked(id string) (*mapping, error) {
	m := s.mappings[id]
	if m == nil {
		return nil, notFound(msgResourceDoesNotExist)
	}
	return m, nil
}

func (s *Service) getEventSourceMapping(_ context.Context, body []byte) (any, error) {
	var in mappingIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, err := s.mappingLocked(in.UUID)
	if err != nil {
		return nil, err
	}
	return s.mappingOut(m, ""), nil
}

func (s *Service) updateEventSourceMapping(ctx context.Context, body []byte) (any, error) {
	var in mappingIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.mappingLocked(in.UUID)
	if err != nil {
		return nil, err
	}
	m := *cur
	if err := s.applyMapping(&m, &in); err != nil {
		return nil, err
	}
	m.LastModified = s.cfg.Now()
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putMapping(tx, &m) }); err != nil {
		return nil, err
	}
	s.mappings[m.UUID] = &m
	s.startPollerLocked(&m)
	state := "Updating"
	if cur.Enabled != m.Enabled {
		state = map[bool]string{true: "Enabling", false: "Disabling"}[m.Enabled]
	}
	return s.mappingOut(&m, state), nil
}

func (s *Service) deleteEventSourceMapping(ctx context.Context, body []byte) (any, error) {
	var in mappingIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.mappingLocked(in.UUID)
	if err != nil {
		return nil, err
	}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM lambda_mappings WHERE uuid = ?`, m.UUID)
		return err
	})
	if err != nil {
		return nil, err
	}
	delete(s.mappings, m.UUID)
	s.stopPollerLocked(m.UUID)
	return s.mappingOut(m, "Deleting"), nil
}

func (s *Service) listEventSourceMappings(_ context.Context, body []byte) (any, error) {
	var in mappingIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var fn *fnRef
	if in.FunctionName != nil && *in.FunctionName != "" {
		ref, err := parseFunctionName(*in.FunctionName, "")
		if err != nil {
			return nil, err
		}
		fn = &ref
	}
	p, err := newPager(in.Marker, in.MaxItems, 100)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var list []*mapping
	for _, m := range s.mappings {
		if in.EventSourceArn != "" && m.EventSourceArn != in.EventSourceArn {
			continue
		}
		if fn != nil && (m.FunctionName != fn.name || fn.qualifier != "" && m.Qualifier != fn.qualifier) {
			continue
		}
		list = append(list, m)
	}
	sortMappings(list)
	var out struct {
		EventSourceMappings []mappingOut `json:"EventSourceMappings"`
		NextMarker          string       `json:"NextMarker,omitempty"`
	}
	out.EventSourceMappings, out.NextMarker = page(p, list, func(m *mapping) string { return m.UUID },
		func(m *mapping) mappingOut { return s.mappingOut(m, "") })
	return out, nil
}

func sortMappings(l []*mapping) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].UUID < l[j-1].UUID; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// The poller.

// poller is a running mapping poller.
type poller struct {
	cancel context.CancelFunc
}

// startPollerLocked starts the poller of an enabled mapping unless one
// runs, and stops the poller of a disabled one. s.mu must be held.
func (s *Service) startPollerLocked(m *mapping) {
	if p := s.pollers[m.UUID]; p != nil {
		if !m.Enabled {
			p.cancel()
		}
		return
	}
	if !m.Enabled || s.cfg.SQS == nil || s.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	p := &poller{cancel: cancel}
	s.pollers[m.UUID] = p
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.poll(ctx, m.UUID)
		cancel()
		s.mu.Lock()
		if s.pollers[m.UUID] == p {
			delete(s.pollers, m.UUID)
		}
		// Enabled again while it was stopping?
		if cur := s.mappings[m.UUID]; cur != nil && cur.Enabled {
			s.startPollerLocked(cur)
		}
		s.mu.Unlock()
	}()
}

// stopPollerLocked stops a mapping's poller. s.mu must be held.
func (s *Service) stopPollerLocked(id string) {
	if p := s.pollers[id]; p != nil {
		p.cancel()
	}
}

// current returns a mapping's configuration, or nil when it is deleted or
// disabled.
func (s *Service) currentMapping(id string) *mapping {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.mappings[id]
	if m == nil || !m.Enabled {
		return nil
	}
	return m
}

type sqsMessage struct {
	MessageID              string                     `json:"MessageId"`
	ReceiptHandle          string                     `json:"ReceiptHandle"`
	MD5OfBody              string                     `json:"MD5OfBody"`
	Body                   string                     `json:"Body"`
	Attributes             map[string]string          `json:"Attributes"`
	MD5OfMessageAttributes string                     `json:"MD5OfMessageAttributes"`
	MessageAttributes      map[string]sqsAttributeVal `json:"MessageAttributes"`
}

type sqsAttributeVal struct {
	StringValue      *string  `json:"StringValue"`
	BinaryValue      []byte   `json:"BinaryValue"`
	StringListValues []string `json:"StringListValues"`
	BinaryListValues [][]byte `json:"BinaryListValues"`
	DataType         string   `json:"DataType"`
}

// sqsRecord is one record of the Lambda SQS event, in AWS's member order.
type sqsRecord struct {
	MessageID              string                  `json:"messageId"`
	ReceiptHandle          string                  `json:"receiptHandle"`
	Body                   string                  `json:"body"`
	Attributes             map[string]string       `json:"attributes"`
	MessageAttributes      map[string]eventAttrVal `json:"messageAttributes"`
	MD5OfMessageAttributes string                  `json:"md5OfMessageAttributes,omitempty"`
	MD5OfBody              string                  `json:"md5OfBody"`
	EventSource            string                  `json:"eventSource"`
	EventSourceARN         string                  `json:"eventSourceARN"`
	AWSRegion              string                  `json:"awsRegion"`
}

type eventAttrVal struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// poll runs a mapping's poller until ctx ends or the mapping is deleted
// or disabled.
func (s *Service) poll(ctx context.Context, id string) {
	backoff := time.Duration(0)
	sleep := func() bool {
		backoff = min(max(2*backoff, 200*time.Millisecond), 30*time.Second)
		t := time.NewTimer(backoff)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	queueURL, queueARN := "", ""
	for ctx.Err() == nil {
		m := s.currentMapping(id)
		if m == nil {
			return
		}
		if queueURL == "" || queueARN != m.EventSourceArn {
			name, account, _ := sqsQueueOf(m.EventSourceArn)
			in, _ := json.Marshal(map[string]string{"QueueName": name, "QueueOwnerAWSAccountId": account})
			out, err := s.cfg.SQS(ctx, "GetQueueUrl", in)
			var res struct{ QueueUrl string }
			if err == nil {
				err = json.Unmarshal(out, &res)
			}
			if err != nil || res.QueueUrl == "" {
				if ctx.Err() == nil {
					s.log.Warn("lambda_mapping_queue_unavailable", "uuid", id, "queue", m.EventSourceArn, "error", err)
				}
				if !sleep() {
					return
				}
				continue
			}
			queueURL, queueARN = res.QueueUrl, m.EventSourceArn
		}
		msgs, err := s.receiveBatch(ctx, m, queueURL)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("lambda_mapping_receive_failed", "uuid", id, "error", err)
				queueURL = ""
			}
			if !sleep() {
				return
			}
			continue
		}
		backoff = 0
		if len(msgs) == 0 {
			continue
		}
		if err := s.deliver(ctx, m, queueURL, msgs); err != nil && ctx.Err() == nil {
			s.log.Warn("lambda_mapping_delivery_failed", "uuid", id, "error", err)
			if !sleep() {
				return
			}
		}
	}
}

// receiveBatch collects up to BatchSize messages: one long poll when
// there is no batching window, otherwise polls until the batch is full or
// the window, which opens with the first message, closes.
func (s *Service) receiveBatch(ctx context.Context, m *mapping, queueURL string) ([]sqsMessage, error) {
	var msgs []sqsMessage
	index := map[string]int{}
	var deadline time.Time
	for len(msgs) < m.BatchSize {
		wait := 20
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			wait = int(left / time.Second)
		}
		in, _ := json.Marshal(map[string]any{
			"QueueUrl":                    queueURL,
			"MaxNumberOfMessages":         min(10, m.BatchSize-len(msgs)),
			"WaitTimeSeconds":             wait,
			"MessageSystemAttributeNames": []string{"All"},
			"MessageAttributeNames":       []string{"All"},
		})
		out, err := s.cfg.SQS(ctx, "ReceiveMessage", in)
		if err != nil {
			if len(msgs) > 0 && ctx.Err() == nil {
				break
			}
			return nil, err
		}
		var res struct{ Messages []sqsMessage }
		if err := json.Unmarshal(out, &res); err != nil {
			return nil, fmt.Errorf("decode ReceiveMessage: %w", err)
		}
		for _, msg := range res.Messages {
			if i, ok := index[msg.MessageID]; ok {
				msgs[i] = msg // received again: the newest receipt handle counts
				continue
			}
			index[msg.MessageID] = len(msgs)
			msgs = append(msgs, msg)
		}
		if m.MaxWindow == 0 {
			break
		}
		if deadline.IsZero() && len(msgs) > 0 {
			deadline = time.Now().Add(time.Duration(m.MaxWindow) * time.Second)
		}
	}
	return msgs, nil
}

// deliver invokes the function with a batch and deletes what it handled.
func (s *Service) deliver(ctx context.Context, m *mapping, queueURL string, msgs []sqsMessage) error {
	records := make([]sqsRecord, len(msgs))
	for i, msg := range msgs {
		attrs := map[string]eventAttrVal{}
		for k, v := range msg.MessageAttributes {
			a := eventAttrVal{StringValue: v.StringValue, BinaryValue: v.BinaryValue, StringListValues: v.StringListValues,
				BinaryListValues: v.BinaryListValues, DataType: v.DataType}
			if a.StringListValues == nil {
				a.StringListValues = []string{}
			}
			if a.BinaryListValues == nil {
				a.BinaryListValues = [][]byte{}
			}
			attrs[k] = a
		}
		sys := msg.Attributes
		if sys == nil {
			sys = map[string]string{}
		}
		records[i] = sqsRecord{
			MessageID: msg.MessageID, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body, Attributes: sys,
			MessageAttributes: attrs, MD5OfMessageAttributes: msg.MD5OfMessageAttributes, MD5OfBody: msg.MD5OfBody,
			EventSource: "aws:sqs", EventSourceARN: m.EventSourceArn, AWSRegion: s.cfg.Region,
		}
	}
	event, _ := json.Marshal(struct {
		Records []sqsRecord `json:"Records"`
	}{records})
	ref := fnRef{name: m.FunctionName, qualifier: m.Qualifier}
	s.mu.RLock()
	_, cfg, err := s.resolveLocked(ref)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	if !runnable(cfg.Runtime) {
		return invalidRuntime(cfg.Runtime)
	}
	res, err := s.execute(ctx, cfg, s.qualifiedARN(ref.name, ref.qualifier), newID(), event, "", true)
	if err != nil {
		return err
	}
	if res.funcErr {
		return nil // every message comes back after its visibility timeout
	}
	failed := map[string]bool{}
	reportFailures := false
	for _, t := range m.FunctionResponseTypes {
		reportFailures = reportFailures || t == "ReportBatchItemFailures"
	}
	if reportFailures {
		ids, ok := batchItemFailures(res.payload, msgs)
		if !ok {
			return nil // a malformed report fails the whole batch
		}
		failed = ids
	}
	var entries []map[string]string
	for i, msg := range msgs {
		if !failed[msg.MessageID] {
			entries = append(entries, map[string]string{"Id": strconv.Itoa(i), "ReceiptHandle": msg.ReceiptHandle})
		}
	}
	for len(entries) > 0 {
		n := min(10, len(entries))
		in, _ := json.Marshal(map[string]any{"QueueUrl": queueURL, "Entries": entries[:n]})
		if _, err := s.cfg.SQS(context.WithoutCancel(ctx), "DeleteMessageBatch", in); err != nil {
			return fmt.Errorf("delete handled messages: %w", err)
		}
		entries = entries[n:]
	}
	return nil
}

// batchItemFailures reads a ReportBatchItemFailures response. ok is false
// when it is malformed (the whole batch then counts as failed).
func batchItemFailures(payload []byte, msgs []sqsMessage) (map[string]bool, bool) {
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" || trimmed == "{}" {
		return nil, true
	}
	var resp struct {
		BatchItemFailures *[]struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, false
	}
	if resp.BatchItemFailures == nil {
		return nil, true
	}
	known := map[string]bool{}
	for _, m := range msgs {
		known[m.MessageID] = true
	}
	failed := map[string]bool{}
	for _, f := range *resp.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" || !known[*f.ItemIdentifier] {
			return nil, false
		}
		failed[*f.ItemIdentifier] = true
	}
	return failed, true
}
