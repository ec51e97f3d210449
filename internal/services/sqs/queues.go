package sqs

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queue is one queue's settings: an immutable snapshot, replaced (under
// Service.mu) when the queue changes.
type queue struct {
	id         int64
	name       string
	fifo       bool
	attrs      map[string]string // attributes clients set, canonical values
	tags       map[string]string
	cfg        queueConfig
	createdMS  int64
	modifiedMS int64
	purgedMS   int64
}

// queueConfig is what the data plane needs of a queue's attributes.
type queueConfig struct {
	delay, maxSize, retention, wait, visibility int
	contentDedup                                bool
	groupScope                                  bool // DeduplicationScope messageGroup
	redrive                                     *redrivePolicy
}

// redrivePolicy is a parsed RedrivePolicy.
type redrivePolicy struct {
	TargetArn  string `json:"deadLetterTargetArn"`
	MaxReceive int    `json:"maxReceiveCount"`
}

// Queue attribute names.
const (
	attrAll                  = "All"
	attrPolicy               = "Policy"
	attrVisibilityTimeout    = "VisibilityTimeout"
	attrMaximumMessageSize   = "MaximumMessageSize"
	attrRetention            = "MessageRetentionPeriod"
	attrNumMessages          = "ApproximateNumberOfMessages"
	attrNumNotVisible        = "ApproximateNumberOfMessagesNotVisible"
	attrCreatedTimestamp     = "CreatedTimestamp"
	attrLastModified         = "LastModifiedTimestamp"
	attrQueueArn             = "QueueArn"
	attrNumDelayed           = "ApproximateNumberOfMessagesDelayed"
	attrDelaySeconds         = "DelaySeconds"
	attrWaitTime             = "ReceiveMessageWaitTimeSeconds"
	attrRedrivePolicy        = "RedrivePolicy"
	attrFifoQueue            = "FifoQueue"
	attrContentDedup         = "ContentBasedDeduplication"
	attrKmsKey               = "KmsMasterKeyId"
	attrKmsReuse             = "KmsDataKeyReusePeriodSeconds"
	attrDedupScope           = "DeduplicationScope"
	attrThroughputLimit      = "FifoThroughputLimit"
	attrRedriveAllowPolicy   = "RedriveAllowPolicy"
	attrSqsManagedSseEnabled = "SqsManagedSseEnabled"
)

// Defaults and limits of the queue attributes (AWS's).
const (
	defaultMaxSize    = 262144
	defaultRetention  = 345600
	defaultVisibility = 30
	defaultKmsReuse   = 300
	maxBatchBytes     = 262144
	dedupInterval     = 5 * time.Minute
	purgeInterval     = 60 * time.Second
)

// intAttrs are the integer attributes with their inclusive ranges.
var intAttrs = map[string][2]int{
	attrDelaySeconds:       {0, 900},
	attrMaximumMessageSize: {1024, 262144},
	attrRetention:          {60, 1209600},
	attrWaitTime:           {0, 20},
	attrVisibilityTimeout:  {0, 43200},
	attrKmsReuse:           {60, 86400},
}

// readOnlyAttrs are the attributes GetQueueAttributes computes.
var readOnlyAttrs = map[string]bool{
	attrNumMessages: true, attrNumNotVisible: true, attrNumDelayed: true,
	attrCreatedTimestamp: true, attrLastModified: true, attrQueueArn: true,
}

// allAttrs lists every attribute name in the order GetQueueAttributes
// considers them.
var allAttrs = []string{
	attrQueueArn, attrNumMessages, attrNumNotVisible, attrNumDelayed, attrCreatedTimestamp, attrLastModified,
	attrVisibilityTimeout, attrMaximumMessageSize, attrRetention, attrDelaySeconds, attrWaitTime,
	attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy, attrKmsKey, attrKmsReuse, attrSqsManagedSseEnabled,
	attrFifoQueue, attrContentDedup, attrDedupScope, attrThroughputLimit,
}

// parseConfig derives the data-plane settings from canonical attributes.
func parseConfig(attrs map[string]string) queueConfig {
	c := queueConfig{maxSize: defaultMaxSize, retention: defaultRetention, visibility: defaultVisibility}
	num := func(name string, dst *int) {
		if v, ok := attrs[name]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				*dst = n
			}
		}
	}
	num(attrDelaySeconds, &c.delay)
	num(attrMaximumMessageSize, &c.maxSize)
	num(attrRetention, &c.retention)
	num(attrWaitTime, &c.wait)
	num(attrVisibilityTimeout, &c.visibility)
	c.contentDedup = attrs[attrContentDedup] == "true"
	c.groupScope = attrs[attrDedupScope] == "messageGroup"
	if p := attrs[attrRedrivePolicy]; p != "" {
		var rp redrivePolicy
		if json.Unmarshal([]byte(p), &rp) == nil && rp.TargetArn != "" {
			c.redrive = &rp
		}
	}
	return c
}

func (s *Service) queueARN(name string) string {
	return "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.Account + ":" + name
}

func (s *Service) queueURL(name string) string {
	return s.cfg.BaseURL + "/" + s.cfg.Account + "/" + name
}

// queueByName returns the named queue's current snapshot.
func (s *Service) queueByName(name string) (*queue, bool) {
	s.mu.RLock()
	q, ok := s.queues[name]
	s.mu.RUnlock()
	return q, ok
}

// queueByARN returns the queue an SQS ARN of this account and region names.
func (s *Service) queueByARN(arn string) (*queue, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queueByARNLocked(arn)
}

// queueByARNLocked is queueByARN for callers holding s.mu.
func (s *Service) queueByARNLocked(arn string) (*queue, bool) {
	name, ok := strings.CutPrefix(arn, "arn:aws:sqs:"+s.cfg.Region+":"+s.cfg.Account+":")
	if !ok {
		return nil, false
	}
	q, ok := s.queues[name]
	return q, ok
}

// resolveQueue returns the queue a QueueUrl names: any URL (or path) whose
// last two segments are this account and a queue name, whatever its host.
func (s *Service) resolveQueue(queueURL *string) (*queue, error) {
	if queueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	name, ok := s.nameFromURL(*queueURL)
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	q, ok := s.queueByName(name)
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

// nameFromURL extracts the queue name of a queue URL of this account.
func (s *Service) nameFromURL(raw string) (string, bool) {
	p := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		p = u.Path
	}
	p = strings.Trim(p, "/")
	account, name, ok := strings.Cut(p, "/")
	if !ok {
		return "", false
	}
	// Tolerate a path prefix before /<account>/<name>.
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		rest := p[:len(p)-len(name)+i]
		account, name = rest[strings.LastIndexByte(rest, '/')+1:], name[i+1:]
	}
	if account != s.cfg.Account || name == "" {
		return "", false
	}
	return name, true
}

var queueNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,80}$`)

// checkQueueName validates a queue name for the queue type.
func checkQueueName(name string, fifo bool) error {
	if fifo {
		base, ok := strings.CutSuffix(name, ".fifo")
		if !ok || !queueNameRE.MatchString(base+"_fifo") {
			return errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return nil
	}
	if !queueNameRE.MatchString(name) {
		return errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}

// applyAttributes validates the attributes of a CreateQueue (current nil)
// or SetQueueAttributes request and returns the queue's new canonical
// attributes. fifo is the queue's type, self its name. The caller holds
// s.mu.
func (s *Service) applyAttributes(current, in map[string]string, fifo, creating bool, self string) (map[string]string, error) {
	out := make(map[string]string, len(current)+len(in))
	for k, v := range current {
		out[k] = v
	}
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v := in[name]
		if r, ok := intAttrs[name]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < r[0] || n > r[1] {
				return nil, errAttributeValue(name)
			}
			out[name] = strconv.Itoa(n)
			continue
		}
		switch name {
		case attrFifoQueue:
			b, ok := parseBool(v)
			switch {
			case !creating && fifo:
				return nil, apiError(CodeInvalidAttributeValue, "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
			case !creating || !b:
				return nil, errUnknownAttribute(name)
			case !ok:
				return nil, errAttributeValue(name)
			}
			out[name] = "true"
		case attrContentDedup, attrSqsManagedSseEnabled:
			if name == attrContentDedup && !fifo {
				return nil, errUnknownAttribute(name)
			}
			b, ok := parseBool(v)
			if !ok {
				return nil, errAttributeValue(name)
			}
			out[name] = strconv.FormatBool(b)
		case attrDedupScope, attrThroughputLimit:
			if !fifo {
				return nil, apiError(CodeInvalidAttributeName, "You can specify the "+name+" only when FifoQueue is set to true.")
			}
			allowed := []string{"messageGroup", "queue"}
			if name == attrThroughputLimit {
				allowed = []string{"perQueue", "perMessageGroupId"}
			}
			if v != allowed[0] && v != allowed[1] {
				return nil, errAttributeValue(name)
			}
			out[name] = v
		case attrKmsKey:
			if v == "" {
				delete(out, name)
			} else {
				out[name] = v
			}
		case attrPolicy:
			if v == "" {
				delete(out, name)
				continue
			}
			var doc map[string]any
			if json.Unmarshal([]byte(v), &doc) != nil {
				return nil, errAttributeValue(name)
			}
			out[name] = v
		case attrRedrivePolicy:
			if v == "" {
				delete(out, name)
				continue
			}
			canon, err := s.checkRedrivePolicy(v, fifo, self)
			if err != nil {
				return nil, err
			}
			out[name] = canon
		case attrRedriveAllowPolicy:
			if v == "" {
				delete(out, name)
				continue
			}
			if err := checkRedriveAllowPolicy(v); err != nil {
				return nil, err
			}
			out[name] = v
		default:
			return nil, errUnknownAttribute(name)
		}
	}
	// One kind of server-side encryption at a time.
	if sse, ok := in[attrSqsManagedSseEnabled]; ok {
		if b, _ := parseBool(sse); b {
			if in[attrKmsKey] != "" {
				return nil, apiError(CodeInvalidAttributeName, "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
			}
			delete(out, attrKmsKey)
		}
	} else if in[attrKmsKey] != "" {
		out[attrSqsManagedSseEnabled] = "false"
	}
	return out, nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// checkRedrivePolicy validates a RedrivePolicy and returns it in AWS's
// canonical form.
func (s *Service) checkRedrivePolicy(v string, fifo bool, self string) (string, error) {
	bad := func(reason string) error { return errInvalidValue(attrRedrivePolicy, v, reason) }
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(v), &raw) != nil {
		return "", bad("Redrive policy is not a valid JSON map.")
	}
	var target string
	if json.Unmarshal(raw["deadLetterTargetArn"], &target) != nil || target == "" {
		return "", bad("Invalid value for deadLetterTargetArn.")
	}
	if !strings.HasPrefix(target, "arn:") || strings.Count(target, ":") != 5 {
		return "", bad("Invalid value for deadLetterTargetArn.")
	}
	var count int
	if m, ok := raw["maxReceiveCount"]; !ok {
		return "", bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	} else {
		var str string
		if json.Unmarshal(m, &str) == nil {
			m = json.RawMessage(str)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(m)))
		if err != nil || n < 1 || n > 1000 {
			return "", bad("Invalid value for maxReceiveCount: " + strings.Trim(string(m), `"`) + ", valid values are from 1 to 1000 both inclusive.")
		}
		count = n
	}
	dlq, ok := s.queueByARNLocked(target)
	if !ok && target != s.queueARN(self) {
		return "", bad("Dead letter target does not exist.")
	}
	if ok && dlq.fifo != fifo {
		return "", bad("Dead-letter queue must be same type of queue as the source.")
	}
	if ok && !redriveAllowed(dlq.attrs[attrRedriveAllowPolicy], s.queueARN(self)) {
		return "", bad("The dead-letter queue's RedriveAllowPolicy does not allow " + s.queueARN(self) + " as a source queue.")
	}
	b, _ := json.Marshal(redrivePolicy{TargetArn: target, MaxReceive: count})
	return string(b), nil
}

// checkRedriveAllowPolicy validates a RedriveAllowPolicy.
func checkRedriveAllowPolicy(v string) error {
	var p struct {
		Permission string   `json:"redrivePermission"`
		Sources    []string `json:"sourceQueueArns"`
	}
	bad := errInvalidValue(attrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.")
	if json.Unmarshal([]byte(v), &p) != nil {
		return bad
	}
	switch p.Permission {
	case "allowAll", "denyAll":
		if len(p.Sources) > 0 {
			return bad
		}
	case "byQueue":
		if len(p.Sources) == 0 || len(p.Sources) > 10 {
			return bad
		}
	default:
		return bad
	}
	return nil
}

// redriveAllowed reports whether a dead-letter queue's RedriveAllowPolicy
// lets the source queue use it.
func redriveAllowed(policy, source string) bool {
	if policy == "" {
		return true
	}
	var p struct {
		Permission string   `json:"redrivePermission"`
		Sources    []string `json:"sourceQueueArns"`
	}
	if json.Unmarshal([]byte(policy), &p) != nil {
		return true
	}
	switch p.Permission {
	case "denyAll":
		return false
	case "byQueue":
		return slices.Contains(p.Sources, source)
	}
	return true
}

// effective returns the value GetQueueAttributes reports for a settable
// attribute, and whether the queue reports it at all.
func (q *queue) effective(name string) (string, bool) {
	if v, ok := q.attrs[name]; ok {
		return v, true
	}
	switch name {
	case attrDelaySeconds, attrWaitTime:
		return "0", true
	case attrMaximumMessageSize:
		return strconv.Itoa(defaultMaxSize), true
	case attrRetention:
		return strconv.Itoa(defaultRetention), true
	case attrVisibilityTimeout:
		return strconv.Itoa(defaultVisibility), true
	case attrSqsManagedSseEnabled:
		return strconv.FormatBool(q.attrs[attrKmsKey] == ""), true
	case attrKmsReuse:
		if q.attrs[attrKmsKey] != "" {
			return strconv.Itoa(defaultKmsReuse), true
		}
	case attrContentDedup:
		return "false", q.fifo
	case attrDedupScope:
		return "queue", q.fifo
	case attrThroughputLimit:
		return "perQueue", q.fifo
	}
	return "", false
}

// Request and response shapes of the queue actions (JSON protocol).

type createQueueInput struct {
	QueueName  *string
	Attributes map[string]string
	Tags       map[string]string `json:"tags"`
}

type queueURLOutput struct {
	QueueURL string `json:"QueueUrl"`
}

func (s *Service) createQueue(ctx context.Context, body []byte) (any, error) {
	var in createQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == nil {
		return nil, errMissing("QueueName")
	}
	name := *in.QueueName
	fifo := false
	if v, ok := in.Attributes[attrFifoQueue]; ok {
		fifo, _ = parseBool(v)
	}
	if err := checkQueueName(name, fifo); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	attrs, err := s.applyAttributes(nil, in.Attributes, fifo, true, name)
	if err != nil {
		return nil, err
	}
	if q, ok := s.queues[name]; ok {
		// Idempotent when every given attribute matches.
		names := make([]string, 0, len(attrs))
		for k := range in.Attributes {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			want, _ := (&queue{fifo: fifo, attrs: attrs}).effective(k)
			have, _ := q.effective(k)
			if k == attrFifoQueue && !q.fifo {
				have = "false"
			}
			if want != have {
				return nil, apiError(CodeQueueNameExists, "A queue already exists with the same name and a different value for attribute "+k)
			}
		}
		return queueURLOutput{QueueURL: s.queueURL(name)}, nil
	}
	now := msOf(s.now())
	tags := make(map[string]string, len(in.Tags))
	for k, v := range in.Tags {
		tags[k] = v
	}
	q := &queue{name: name, fifo: fifo, attrs: attrs, tags: tags, cfg: parseConfig(attrs), createdMS: now, modifiedMS: now}
	if err := s.insertQueue(ctx, q); err != nil {
		return nil, err
	}
	s.queues[name] = q
	return queueURLOutput{QueueURL: s.queueURL(name)}, nil
}

type getQueueURLInput struct {
	QueueName              *string
	QueueOwnerAWSAccountID *string `json:"QueueOwnerAWSAccountId"`
}

func (s *Service) getQueueURL(_ context.Context, body []byte) (any, error) {
	var in getQueueURLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == nil {
		return nil, errMissing("QueueName")
	}
	if in.QueueOwnerAWSAccountID != nil && *in.QueueOwnerAWSAccountID != s.cfg.Account {
		return nil, errQueueDoesNotExist()
	}
	if _, ok := s.queueByName(*in.QueueName); !ok {
		return nil, errQueueDoesNotExist()
	}
	return queueURLOutput{QueueURL: s.queueURL(*in.QueueName)}, nil
}

type listQueuesInput struct {
	QueueNamePrefix *string
	NextToken       *string
	MaxResults      *int
}

type listQueuesOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

// maxListResults is the page size of ListQueues without MaxResults.
const maxListResults = 1000

// page returns one page of sorted names after the token, and the next
// token (empty on the last page). Without MaxResults AWS returns up to
// 1000 names and no token.
func page(names []string, kind string, token *string, max *int) ([]string, string, error) {
	sort.Strings(names)
	size := maxListResults
	if max != nil {
		if *max < 1 || *max > maxListResults {
			return nil, "", errInvalidValue("MaxResults", strconv.Itoa(*max), "MaxResults must be an integer between 1 and 1000.")
		}
		size = *max
	}
	start := 0
	if token != nil && *token != "" {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		k, after, ok := strings.Cut(string(b), "\x00")
		if err != nil || !ok || k != kind {
			return nil, "", errInvalidParameter("Invalid NextToken value. If you are passing in NextToken, make sure you are not changing the other request parameters.")
		}
		start = sort.SearchStrings(names, after)
		if start < len(names) && names[start] == after {
			start++
		}
	}
	end := min(start+size, len(names))
	out := names[start:end]
	next := ""
	if max != nil && end < len(names) && len(out) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + out[len(out)-1]))
	}
	return out, next, nil
}

func (s *Service) listQueues(_ context.Context, body []byte) (any, error) {
	var in listQueuesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	prefix := ""
	if in.QueueNamePrefix != nil {
		prefix = *in.QueueNamePrefix
	}
	s.mu.RLock()
	var names []string
	for n := range s.queues {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	names, next, err := page(names, "queues:"+prefix, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := listQueuesOutput{NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, s.queueURL(n))
	}
	return out, nil
}

type queueInput struct {
	QueueURL *string `json:"QueueUrl"`
}

type getQueueAttributesInput struct {
	QueueURL       *string `json:"QueueUrl"`
	AttributeNames []string
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty"`
}

func (s *Service) getQueueAttributes(ctx context.Context, body []byte) (any, error) {
	var in getQueueAttributesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	if len(in.AttributeNames) == 0 {
		return attributesOutput{}, nil
	}
	want := map[string]bool{}
	for _, n := range in.AttributeNames {
		if n == attrAll {
			for _, a := range allAttrs {
				want[a] = true
			}
			continue
		}
		if !readOnlyAttrs[n] && !isSettable(n) {
			return nil, errUnknownAttribute(n)
		}
		want[n] = true
	}
	return attributesOutput{Attributes: s.attributes(ctx, q, want)}, nil
}

// isSettable reports whether name is a queue attribute clients set.
func isSettable(name string) bool {
	if _, ok := intAttrs[name]; ok {
		return true
	}
	switch name {
	case attrPolicy, attrRedrivePolicy, attrRedriveAllowPolicy, attrFifoQueue, attrContentDedup, attrKmsKey,
		attrDedupScope, attrThroughputLimit, attrSqsManagedSseEnabled:
		return true
	}
	return false
}

// attributes renders the wanted attributes of q.
func (s *Service) attributes(ctx context.Context, q *queue, want map[string]bool) map[string]string {
	out := map[string]string{}
	if want[attrNumMessages] || want[attrNumNotVisible] || want[attrNumDelayed] {
		c, err := s.countMessages(ctx, q)
		if err != nil {
			s.log.Warn("sqs_count_failed", "queue", q.name, "error", err)
		}
		if want[attrNumMessages] {
			out[attrNumMessages] = strconv.FormatInt(c.visible, 10)
		}
		if want[attrNumNotVisible] {
			out[attrNumNotVisible] = strconv.FormatInt(c.inflight, 10)
		}
		if want[attrNumDelayed] {
			out[attrNumDelayed] = strconv.FormatInt(c.delayed, 10)
		}
	}
	for name := range want {
		switch name {
		case attrNumMessages, attrNumNotVisible, attrNumDelayed:
		case attrQueueArn:
			out[name] = s.queueARN(q.name)
		case attrCreatedTimestamp:
			out[name] = strconv.FormatInt(q.createdMS/1000, 10)
		case attrLastModified:
			out[name] = strconv.FormatInt(q.modifiedMS/1000, 10)
		case attrFifoQueue:
			if q.fifo {
				out[name] = "true"
			}
		default:
			if v, ok := q.effective(name); ok {
				out[name] = v
			}
		}
	}
	return out
}

type setQueueAttributesInput struct {
	QueueURL   *string `json:"QueueUrl"`
	Attributes map[string]string
}

func (s *Service) setQueueAttributes(ctx context.Context, body []byte) (any, error) {
	var in setQueueAttributesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	if in.Attributes == nil {
		return nil, errMissing("Attributes")
	}
	q, err := s.changeQueue(*in.QueueURL, func(nq *queue) error {
		attrs, err := s.applyAttributes(nq.attrs, in.Attributes, nq.fifo, false, nq.name)
		if err != nil {
			return err
		}
		nq.attrs, nq.cfg, nq.modifiedMS = attrs, parseConfig(attrs), msOf(s.now())
		return s.updateQueue(ctx, nq)
	})
	if err != nil {
		return nil, err
	}
	s.waiters.notify(q.id) // a shorter wait or visibility changes what waiters expect
	return nil, nil
}

// changeQueue replaces the queue queueURL names with a copy that change
// edits and stores (change runs under s.mu). When change fails, the queue
// stays as it was. It returns the new queue.
func (s *Service) changeQueue(queueURL string, change func(nq *queue) error) (*queue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.resolveQueueLocked(queueURL)
	if err != nil {
		return nil, err
	}
	nq := *q
	if err := change(&nq); err != nil {
		return nil, err
	}
	s.queues[q.name] = &nq
	return &nq, nil
}

// resolveQueueLocked is resolveQueue for callers holding s.mu.
func (s *Service) resolveQueueLocked(queueURL string) (*queue, error) {
	name, ok := s.nameFromURL(queueURL)
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	q, ok := s.queues[name]
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

func (s *Service) deleteQueue(ctx context.Context, body []byte) (any, error) {
	var in queueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.resolveQueueLocked(*in.QueueURL)
	if err != nil {
		return nil, err
	}
	if err := s.deleteQueueRow(ctx, q.id); err != nil {
		return nil, err
	}
	delete(s.queues, q.name)
	s.waiters.notify(q.id) // waiting receives find the queue gone
	return nil, nil
}

func (s *Service) purgeQueue(ctx context.Context, body []byte) (any, error) {
	var in queueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	_, err := s.changeQueue(*in.QueueURL, func(nq *queue) error {
		now := msOf(s.now())
		if nq.purgedMS != 0 && now-nq.purgedMS < purgeInterval.Milliseconds() {
			return apiError(CodePurgeQueueInProgress, "Only one PurgeQueue operation on "+nq.name+" is allowed every 60 seconds.")
		}
		nq.purgedMS = now
		return s.comp.Write(ctx, func(tx *sql.Tx) error {
			if _, err := s.exec(ctx, tx, sqlDeleteQueueMessages, nq.id); err != nil {
				return err
			}
			_, err := s.exec(ctx, tx, sqlPurgedQueue, now, nq.id)
			return err
		})
	})
	return nil, err
}

// Tags.

type tagQueueInput struct {
	QueueURL *string `json:"QueueUrl"`
	Tags     map[string]string
}

type untagQueueInput struct {
	QueueURL *string `json:"QueueUrl"`
	TagKeys  []string
}

type tagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

// maxTags is the number of tags a queue may have.
const maxTags = 50

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return errInvalidParameter("Too many tags added for queue. The maximum number of tags per queue is 50.")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 {
			return errInvalidParameter("Tag keys must be between 1 and 128 characters in length.")
		}
		if len(v) > 256 {
			return errInvalidParameter("Tag values must be between 0 and 256 characters in length.")
		}
	}
	return nil
}

func (s *Service) tagQueue(ctx context.Context, body []byte) (any, error) {
	var in tagQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	if in.Tags == nil {
		return nil, errMissing("Tags")
	}
	return nil, s.changeTags(ctx, *in.QueueURL, func(tags map[string]string) error {
		for k, v := range in.Tags {
			tags[k] = v
		}
		return checkTags(tags)
	})
}

func (s *Service) untagQueue(ctx context.Context, body []byte) (any, error) {
	var in untagQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	if in.TagKeys == nil {
		return nil, errMissing("TagKeys")
	}
	return nil, s.changeTags(ctx, *in.QueueURL, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// changeTags applies fn to a copy of the queue's tags and stores them.
func (s *Service) changeTags(ctx context.Context, queueURL string, fn func(map[string]string) error) error {
	_, err := s.changeQueue(queueURL, func(nq *queue) error {
		tags := make(map[string]string, len(nq.tags))
		maps.Copy(tags, nq.tags)
		if err := fn(tags); err != nil {
			return err
		}
		nq.tags = tags
		return s.updateQueue(ctx, nq)
	})
	return err
}

func (s *Service) listQueueTags(_ context.Context, body []byte) (any, error) {
	var in queueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	return tagsOutput{Tags: q.tags}, nil
}

type listDLQSourcesInput struct {
	QueueURL   *string `json:"QueueUrl"`
	NextToken  *string
	MaxResults *int
}

type listDLQSourcesOutput struct {
	QueueUrls []string `json:"queueUrls"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (s *Service) listDeadLetterSourceQueues(_ context.Context, body []byte) (any, error) {
	var in listDLQSourcesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	arn := s.queueARN(q.name)
	s.mu.RLock()
	var names []string
	for n, src := range s.queues {
		if src.cfg.redrive != nil && src.cfg.redrive.TargetArn == arn {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	names, next, err := page(names, "dlq:"+q.name, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := listDLQSourcesOutput{QueueUrls: []string{}, NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, s.queueURL(n))
	}
	return out, nil
}
