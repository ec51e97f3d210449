package sqs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// attrValue is a MessageAttributeValue (and MessageSystemAttributeValue).
type attrValue struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

// sendEntry is a SendMessage request or a SendMessageBatch entry.
type sendEntry struct {
	ID                      *string `json:"Id,omitempty"`
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]attrValue
	MessageSystemAttributes map[string]attrValue
	MessageDeduplicationID  *string `json:"MessageDeduplicationId"`
	MessageGroupID          *string `json:"MessageGroupId"`
}

type sendMessageInput struct {
	QueueURL *string `json:"QueueUrl"`
	sendEntry
}

type sendMessageOutput struct {
	MessageID                    string `json:"MessageId"`
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string `json:",omitempty"`
	MD5OfMessageSystemAttributes string `json:",omitempty"`
	SequenceNumber               string `json:",omitempty"`
}

type sendMessageBatchInput struct {
	QueueURL *string `json:"QueueUrl"`
	Entries  []sendEntry
}

type sendBatchResultEntry struct {
	ID string `json:"Id"`
	sendMessageOutput
}

type batchResultError struct {
	ID          string `json:"Id"`
	SenderFault bool
	Code        string
	Message     string `json:",omitempty"`
}

type sendMessageBatchOutput struct {
	Successful []sendBatchResultEntry
	Failed     []batchResultError
}

// newMessage is a validated message, ready to store.
type newMessage struct {
	body                      string
	attrs, sys                []byte // JSON, nil when none
	md5Body, md5Attrs, md5Sys string
	group, dedup              string
	delay                     int
	size                      int
}

// Message limits.
const (
	maxMessageAttributes = 10
	maxDelaySeconds      = 900
	maxVisibility        = 43200
	maxWaitSeconds       = 20
	maxReceive           = 10
	maxBatchEntries      = 10
)

// validChars reports whether s holds only the characters SQS accepts in a
// message: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000
// to #x10FFFF.
func validChars(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}

var (
	attrNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-]+$`)
	numberRE   = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	fifoIDRE   = regexp.MustCompile("^[0-9a-zA-Z!\"#$%&'()*+,./:;<=>?@\\[\\\\\\]^_`{|}~-]{1,128}$")
)

// checkMessageAttributes validates message attributes as SQS does and
// returns their size in bytes (names, types and values).
func checkMessageAttributes(attrs map[string]attrValue) (int, error) {
	if len(attrs) > maxMessageAttributes {
		return 0, errInvalidParameter("Number of message attributes [" + strconv.Itoa(len(attrs)) +
			"] exceeds the allowed maximum [10].")
	}
	size := 0
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		switch {
		case name == "":
			return 0, errInvalidParameter("The request must contain non-empty message attribute name.")
		case len(name) > 256:
			return 0, errInvalidParameter("Message (user) attribute names must be shorter than 256 Bytes")
		case !attrNameRE.MatchString(name):
			return 0, errInvalidParameter("Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ")
		}
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return 0, errInvalidParameter("You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.")
		}
		if v.DataType == "" {
			return 0, errInvalidParameter("The message attribute '" + name + "' must contain non-empty message attribute type.")
		}
		if len(v.DataType) > 256 {
			return 0, errInvalidParameter("Message (user) attribute types must be shorter than 256 Bytes")
		}
		base, _, _ := strings.Cut(v.DataType, ".")
		switch base {
		case "String", "Number":
			if v.StringValue == nil || *v.StringValue == "" {
				return 0, errInvalidParameter("Message (user) attribute '" + name + "' must contain a non-empty value of type '" + base + "'.")
			}
			if !validChars(*v.StringValue) {
				return 0, errInvalidParameter(errInvalidContents().Message)
			}
			if base == "Number" && !validNumber(*v.StringValue) {
				return 0, errInvalidParameter("Can't cast the value of message (user) attribute '" + name + "' to a number.")
			}
			size += len(*v.StringValue)
		case "Binary":
			if len(v.BinaryValue) == 0 {
				return 0, errInvalidParameter("Message (user) attribute '" + name + "' must contain a non-empty value of type 'Binary'.")
			}
			size += len(v.BinaryValue)
		default:
			return 0, errInvalidParameter("The type of message (user) attribute '" + name +
				"' is invalid. You must use only the following supported type prefixes: Binary, Number, String.")
		}
		size += len(name) + len(v.DataType)
	}
	return size, nil
}

// validNumber reports whether s is a number SQS accepts: up to 38 digits
// of precision between -10^128 and 10^126.
func validNumber(s string) bool {
	if !numberRE.MatchString(s) {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return false
	}
	digits := 0
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	return digits <= 38 && f > -1e128 && f < 1e126
}

// checkSystemAttributes validates MessageSystemAttributes: only
// AWSTraceHeader, a String.
func checkSystemAttributes(attrs map[string]attrValue) error {
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		if name != "AWSTraceHeader" {
			return errInvalidParameter("Message system attribute name '" + name + "' is invalid.")
		}
		if v.DataType != "String" || v.StringValue == nil || *v.StringValue == "" {
			return errInvalidParameter("Message (system) attribute '" + name + "' must contain a non-empty value of type 'String'.")
		}
	}
	return nil
}

// prepare validates a message for queue q.
func (s *Service) prepare(q *queue, e *sendEntry) (*newMessage, error) {
	if e.MessageBody == nil || *e.MessageBody == "" {
		return nil, errMissing("MessageBody")
	}
	body := *e.MessageBody
	if !validChars(body) {
		return nil, errInvalidContents()
	}
	asize, err := checkMessageAttributes(e.MessageAttributes)
	if err != nil {
		return nil, err
	}
	if err := checkSystemAttributes(e.MessageSystemAttributes); err != nil {
		return nil, err
	}
	m := &newMessage{body: body, size: len(body) + asize, md5Body: md5Hex([]byte(body)), delay: q.cfg.delay}
	if m.size > q.cfg.maxSize {
		return nil, errInvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than " +
			strconv.Itoa(q.cfg.maxSize) + " bytes.")
	}
	if e.DelaySeconds != nil {
		d := *e.DelaySeconds
		switch {
		case q.fifo && d != 0:
			return nil, errInvalidValue("DelaySeconds", strconv.Itoa(d), "The request include parameter that is not valid for this queue type.")
		case d < 0 || d > maxDelaySeconds:
			return nil, errInvalidValue("DelaySeconds", strconv.Itoa(d), "DelaySeconds must be >= 0 and <= 900.")
		case !q.fifo:
			m.delay = d
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"MessageGroupId", e.MessageGroupID}, {"MessageDeduplicationId", e.MessageDeduplicationID}} {
		if f.v != nil && !fifoIDRE.MatchString(*f.v) {
			return nil, errInvalidValue(f.name, *f.v, f.name+" can only include alphanumeric and punctuation characters. 1 to 128 in length.")
		}
	}
	if e.MessageGroupID != nil {
		m.group = *e.MessageGroupID
	}
	if q.fifo {
		if e.MessageGroupID == nil {
			return nil, errMissing("MessageGroupId")
		}
		switch {
		case e.MessageDeduplicationID != nil:
			m.dedup = *e.MessageDeduplicationID
		case q.cfg.contentDedup:
			sum := sha256.Sum256([]byte(body))
			m.dedup = hex.EncodeToString(sum[:])
		default:
			return nil, errInvalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	} else if e.MessageDeduplicationID != nil {
		return nil, errInvalidValue("MessageDeduplicationId", *e.MessageDeduplicationID,
			"The request includes a parameter that is not valid for this queue type.")
	}
	if len(e.MessageAttributes) > 0 {
		m.attrs, _ = json.Marshal(e.MessageAttributes) // plain values: cannot fail
		m.md5Attrs = md5OfAttributes(e.MessageAttributes)
	}
	if len(e.MessageSystemAttributes) > 0 {
		m.sys, _ = json.Marshal(e.MessageSystemAttributes)
		m.md5Sys = md5OfAttributes(e.MessageSystemAttributes)
	}
	return m, nil
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// senderID is the SenderId of messages a request sends: the caller's
// access key, or the account when the request carried no credential.
func (s *Service) senderID(ctx context.Context) string {
	if c, ok := awsproto.CredentialFrom(ctx); ok && c.AccessKey != "" {
		return c.AccessKey
	}
	return s.cfg.Account
}

// newMessageID returns a random UUID, the form of SQS message IDs.
func newMessageID() string { return awsproto.NewRequestID() }

// sequenceBase offsets FIFO sequence numbers to AWS's 20 digits.
const sequenceBase = 18000000000000000000

func sequenceNumber(seq int64) string {
	return strconv.FormatUint(sequenceBase+uint64(seq), 10)
}

// insertMessage stores m in q within tx; for a FIFO duplicate (same
// de-duplication id within 5 minutes) it stores nothing and returns the
// original message's id and sequence number.
func (s *Service) insertMessage(ctx context.Context, tx *sql.Tx, q *queue, m *newMessage, sender string, now int64) (string, int64, error) {
	key := ""
	if q.fifo {
		key = m.dedup
		if q.cfg.groupScope {
			key = m.group + "\x00" + m.dedup
		}
		var id string
		var seq int64
		err := s.scanRow(ctx, tx, sqlFindDuplicate, []any{q.id, key, now}, &id, &seq)
		if err == nil {
			return id, seq, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", 0, fmt.Errorf("check duplicate: %w", err)
		}
	}
	id := newMessageID()
	res, err := s.exec(ctx, tx, sqlInsertMessage, q.id, id, m.body, nullBytes(m.attrs), nullBytes(m.sys), m.md5Body, nullString(m.group), nullString(m.dedup),
		sender, now, now+int64(m.delay)*1000)
	if err != nil {
		return "", 0, fmt.Errorf("insert message: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return "", 0, fmt.Errorf("insert message: %w", err)
	}
	if q.fifo {
		_, err := s.exec(ctx, tx, sqlRecordDedup, q.id, key, now+dedupInterval.Milliseconds(), id, seq)
		if err != nil {
			return "", 0, fmt.Errorf("record deduplication id: %w", err)
		}
	}
	return id, seq, nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Service) sendOutput(q *queue, m *newMessage, id string, seq int64) sendMessageOutput {
	out := sendMessageOutput{MessageID: id, MD5OfMessageBody: m.md5Body, MD5OfMessageAttributes: m.md5Attrs,
		MD5OfMessageSystemAttributes: m.md5Sys}
	if q.fifo {
		out.SequenceNumber = sequenceNumber(seq)
	}
	return out
}

func (s *Service) sendMessage(ctx context.Context, body []byte) (any, error) {
	var in sendMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	if in.MessageBody == nil {
		return nil, errMissing("MessageBody")
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	m, err := s.prepare(q, &in.sendEntry)
	if err != nil {
		return nil, err
	}
	sender := s.senderID(ctx)
	now := msOf(s.now())
	var id string
	var seq int64
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		var err error
		id, seq, err = s.insertMessage(ctx, tx, q, m, sender, now)
		return err
	})
	if err != nil {
		return nil, s.storeErr(err)
	}
	s.waiters.notify(q.id)
	return s.sendOutput(q, m, id, seq), nil
}

// storeErr turns a failed write on a queue deleted meanwhile (a foreign
// key violation) into QueueDoesNotExist.
func (s *Service) storeErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return errQueueDoesNotExist()
	}
	return err
}

var batchIDRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,80}$`)

// checkBatch validates a batch request's entry ids as SQS does: not
// empty, at most 10 entries, ids well-formed and distinct.
func checkBatch(ids []*string, entryName string) error {
	if len(ids) == 0 {
		return errEmptyBatch(entryName)
	}
	if len(ids) > maxBatchEntries {
		return errTooManyEntries(len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == nil {
			return errMissing(entryName + ".N.Id")
		}
		if !batchIDRE.MatchString(*id) {
			return errBatchID()
		}
		if seen[*id] {
			return errIDsNotDistinct(*id)
		}
		seen[*id] = true
	}
	return nil
}

// batchQueue resolves the queue of a batch request and checks its
// entries' ids (see checkBatch).
func (s *Service) batchQueue(queueURL *string, ids []*string, entryName string) (*queue, error) {
	if queueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	q, err := s.resolveQueue(queueURL)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(ids, entryName); err != nil {
		return nil, err
	}
	return q, nil
}

// entryError renders err as a batch result entry.
func entryError(id string, err *awsproto.Error) batchResultError {
	code, sender := queryCode(err)
	return batchResultError{ID: id, SenderFault: sender, Code: code, Message: err.Message}
}

func (s *Service) sendMessageBatch(ctx context.Context, body []byte) (any, error) {
	var in sendMessageBatchInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].ID
	}
	q, err := s.batchQueue(in.QueueURL, ids, "SendMessageBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	total := 0
	for i := range in.Entries {
		e := &in.Entries[i]
		if q.fifo && e.MessageGroupID == nil {
			return nil, errInvalidParameter("The request must contain the parameter MessageGroupId.")
		}
		if e.MessageBody != nil {
			total += len(*e.MessageBody)
		}
		for k, v := range e.MessageAttributes {
			total += len(k) + len(v.DataType) + len(v.BinaryValue)
			if v.StringValue != nil {
				total += len(*v.StringValue)
			}
		}
	}
	if total > maxBatchBytes {
		return nil, apiError(CodeBatchRequestTooLong, "Batch requests cannot be longer than 262144 bytes. You have sent "+
			strconv.Itoa(total)+" bytes.")
	}
	out := sendMessageBatchOutput{Successful: []sendBatchResultEntry{}, Failed: []batchResultError{}}
	msgs := make([]*newMessage, len(in.Entries))
	for i := range in.Entries {
		m, err := s.prepare(q, &in.Entries[i])
		if err != nil {
			var apiErr *awsproto.Error
			if !errors.As(err, &apiErr) {
				return nil, err
			}
			out.Failed = append(out.Failed, entryError(*in.Entries[i].ID, apiErr))
			continue
		}
		msgs[i] = m
	}
	sender := s.senderID(ctx)
	now := msOf(s.now())
	var results []sendBatchResultEntry
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		results = results[:0]
		for i, m := range msgs {
			if m == nil {
				continue
			}
			id, seq, err := s.insertMessage(ctx, tx, q, m, sender, now)
			if err != nil {
				return err
			}
			results = append(results, sendBatchResultEntry{ID: *in.Entries[i].ID, sendMessageOutput: s.sendOutput(q, m, id, seq)})
		}
		return nil
	})
	if err != nil {
		return nil, s.storeErr(err)
	}
	if len(results) > 0 {
		s.waiters.notify(q.id)
	}
	out.Successful = append(out.Successful, results...)
	return out, nil
}

// Receipt handles: base64 of a version byte, the queue id, the message's
// sequence and the nonce of the receive that returned it.

func encodeReceipt(queueID, seq int64, nonce uint64) string {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+8)
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(queueID))
	b = binary.AppendUvarint(b, uint64(seq))
	b = binary.BigEndian.AppendUint64(b, nonce)
	return base64Std.EncodeToString(b)
}

// receipt is a decoded receipt handle.
type receipt struct {
	queueID, seq int64
	nonce        uint64
}

func decodeReceipt(h string) (receipt, bool) {
	b, err := base64Std.DecodeString(h)
	if err != nil || len(b) < 1+1+1+8 || b[0] != 1 {
		return receipt{}, false
	}
	b = b[1:]
	qid, n := binary.Uvarint(b)
	if n <= 0 {
		return receipt{}, false
	}
	b = b[n:]
	seq, n := binary.Uvarint(b)
	if n <= 0 || len(b[n:]) != 8 || qid > 1<<62 || seq > 1<<62 {
		return receipt{}, false
	}
	return receipt{queueID: int64(qid), seq: int64(seq), nonce: binary.BigEndian.Uint64(b[n:])}, true
}

func newNonce() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])&^(1<<63) | 1 // positive (SQLite integers are signed), never 0 (never received)
}

// DeleteMessage and ChangeMessageVisibility.

type deleteMessageInput struct {
	QueueURL      *string `json:"QueueUrl"`
	ReceiptHandle *string
}

// receiptEntry is an entry of DeleteMessageBatch, and the first members of
// an entry of ChangeMessageVisibilityBatch: the message a receipt handle
// names.
type receiptEntry struct {
	ID            *string `json:"Id"`
	ReceiptHandle *string
}

func (e receiptEntry) receipt() receiptEntry { return e }

type deleteMessageBatchInput struct {
	QueueURL *string `json:"QueueUrl"`
	Entries  []receiptEntry
}

type idEntry struct {
	ID string `json:"Id"`
}

type batchOutput struct {
	Successful []idEntry
	Failed     []batchResultError
}

// deleteInTx deletes the message a receipt handle names. A stale handle of
// a standard queue deletes nothing and succeeds, as AWS documents; on a
// FIFO queue it is an error.
func (s *Service) deleteInTx(ctx context.Context, tx *sql.Tx, q *queue, handle string, now int64) error {
	r, ok := decodeReceipt(handle)
	if !ok || r.queueID != q.id {
		return errReceiptHandle(handle)
	}
	// The latest receipt deletes the message; for a FIFO queue only while
	// the message is still in flight.
	visibleAfter := int64(-1 << 62)
	if q.fifo {
		visibleAfter = now
	}
	res, err := s.exec(ctx, tx, sqlDeleteMessage, r.seq, q.id, r.nonce, visibleAfter)
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 || !q.fifo {
		return nil // a stale standard-queue handle deletes nothing and succeeds
	}
	var one int
	err = s.scanRow(ctx, tx, sqlMessageExists, []any{r.seq, q.id}, &one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil // already deleted
	case err != nil:
		return fmt.Errorf("delete message: %w", err)
	}
	return errInvalidValue("ReceiptHandle", handle, "The receipt handle has expired.")
}

func (s *Service) deleteMessage(ctx context.Context, body []byte) (any, error) {
	var in deleteMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueURL == nil {
		return nil, errMissing("QueueUrl")
	}
	if in.ReceiptHandle == nil {
		return nil, errMissing("ReceiptHandle")
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	now := msOf(s.now())
	err = s.comp.Write(ctx, func(tx *sql.Tx) error { return s.deleteInTx(ctx, tx, q, *in.ReceiptHandle, now) })
	if err != nil {
		return nil, err
	}
	if q.fifo {
		s.waiters.notify(q.id) // the message's group may be unblocked
	}
	return nil, nil
}

// receiptBatch runs a batch of receipt handles (DeleteMessageBatch,
// ChangeMessageVisibilityBatch): it resolves the queue, checks the
// entries' ids (entryName, e.g. "DeleteMessageBatchRequestEntry", names
// them in errors) and runs fn on every entry, with its receipt handle, in
// one transaction. An entry's API error fails that entry only; any other
// error fails the request.
func receiptBatch[E interface{ receipt() receiptEntry }](ctx context.Context, s *Service, queueURL *string, entries []E,
	entryName string, fn func(tx *sql.Tx, q *queue, e E, handle string, now int64) error) (*queue, batchOutput, error) {
	ids := make([]*string, len(entries))
	for i, e := range entries {
		ids[i] = e.receipt().ID
	}
	q, err := s.batchQueue(queueURL, ids, entryName)
	if err != nil {
		return nil, batchOutput{}, err
	}
	now := msOf(s.now())
	out := batchOutput{Successful: []idEntry{}, Failed: []batchResultError{}}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		out.Successful, out.Failed = out.Successful[:0], out.Failed[:0]
		for i, e := range entries {
			id := *ids[i] // checked by checkBatch
			var err error
			if h := e.receipt().ReceiptHandle; h == nil {
				err = errMissing(entryName + "." + strconv.Itoa(i+1) + ".ReceiptHandle")
			} else {
				err = fn(tx, q, e, *h, now)
			}
			var apiErr *awsproto.Error
			switch {
			case err == nil:
				out.Successful = append(out.Successful, idEntry{ID: id})
			case errors.As(err, &apiErr):
				out.Failed = append(out.Failed, entryError(id, apiErr))
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, batchOutput{}, err
	}
	return q, out, nil
}

func (s *Service) deleteMessageBatch(ctx context.Context, body []byte) (any, error) {
	var in deleteMessageBatchInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, out, err := receiptBatch(ctx, s, in.QueueURL, in.Entries, "DeleteMessageBatchRequestEntry",
		func(tx *sql.Tx, q *queue, _ receiptEntry, handle string, now int64) error {
			return s.deleteInTx(ctx, tx, q, handle, now)
		})
	if err != nil {
		return nil, err
	}
	if q.fifo {
		s.waiters.notify(q.id)
	}
	return out, nil
}

type changeVisibilityInput struct {
	QueueURL          *string `json:"QueueUrl"`
	ReceiptHandle     *string
	VisibilityTimeout *int
}

type changeVisibilityBatchEntry struct {
	receiptEntry
	VisibilityTimeout *int
}

type changeVisibilityBatchInput struct {
	QueueURL *string `json:"QueueUrl"`
	Entries  []changeVisibilityBatchEntry
}

func checkVisibility(t int) error {
	if t < 0 || t > maxVisibility {
		return errInvalidValue("VisibilityTimeout", strconv.Itoa(t), "Must be between 0 and 43200, if provided.")
	}
	return nil
}

// changeVisibilityInTx makes the message a receipt handle names invisible
// for t seconds from now.
func (s *Service) changeVisibilityInTx(ctx context.Context, tx *sql.Tx, q *queue, handle string, t int, now int64) error {
	if err := checkVisibility(t); err != nil {
		return err
	}
	r, ok := decodeReceipt(handle)
	if !ok || r.queueID != q.id {
		return errReceiptHandle(handle)
	}
	res, err := s.exec(ctx, tx, sqlSetVisibility, now+int64(t)*1000, r.seq, q.id, r.nonce)
	if err != nil {
		return fmt.Errorf("change visibility: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errInvalidValue("ReceiptHandle", handle, "Message does not exist or is not available for visibility timeout change.")
	}
	return nil
}

func (s *Service) changeMessageVisibility(ctx context.Context, body []byte) (any, error) {
	var in changeVisibilityInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.QueueURL == nil:
		return nil, errMissing("QueueUrl")
	case in.ReceiptHandle == nil:
		return nil, errMissing("ReceiptHandle")
	case in.VisibilityTimeout == nil:
		return nil, errMissing("VisibilityTimeout")
	}
	q, err := s.resolveQueue(in.QueueURL)
	if err != nil {
		return nil, err
	}
	now := msOf(s.now())
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		return s.changeVisibilityInTx(ctx, tx, q, *in.ReceiptHandle, *in.VisibilityTimeout, now)
	})
	if err != nil {
		return nil, err
	}
	s.waiters.notify(q.id)
	return nil, nil
}

func (s *Service) changeMessageVisibilityBatch(ctx context.Context, body []byte) (any, error) {
	var in changeVisibilityBatchInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, out, err := receiptBatch(ctx, s, in.QueueURL, in.Entries, "ChangeMessageVisibilityBatchRequestEntry",
		func(tx *sql.Tx, q *queue, e changeVisibilityBatchEntry, handle string, now int64) error {
			t := 0
			if e.VisibilityTimeout != nil {
				t = *e.VisibilityTimeout
			}
			return s.changeVisibilityInTx(ctx, tx, q, handle, t, now)
		})
	if err != nil {
		return nil, err
	}
	s.waiters.notify(q.id)
	return out, nil
}

// md5OfAttributes is MD5OfMessageAttributes as AWS documents it: the
// attributes sorted by name, each encoded as its name, data type (both
// length-prefixed), a transport byte (1 string, 2 binary, 3 string list,
// 4 binary list) and its length-prefixed value(s); lengths are 4-byte
// big-endian.
func md5OfAttributes(attrs map[string]attrValue) string {
	h := md5.New()
	var buf []byte
	field := func(b []byte) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
		buf = append(buf, b...)
	}
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		buf = buf[:0]
		field([]byte(name))
		field([]byte(v.DataType))
		switch {
		case v.StringValue != nil:
			buf = append(buf, 1)
			field([]byte(*v.StringValue))
		case v.BinaryValue != nil:
			buf = append(buf, 2)
			field(v.BinaryValue)
		case len(v.StringListValues) > 0:
			buf = append(buf, 3)
			for _, e := range v.StringListValues {
				field([]byte(e))
			}
		case len(v.BinaryListValues) > 0:
			buf = append(buf, 4)
			for _, e := range v.BinaryListValues {
				field(e)
			}
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}
