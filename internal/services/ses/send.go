package ses

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Message size limits (the SES quotas page): 10 MB per message through
// the v1 API, 40 MB through v2, after MIME encoding.
const (
	maxMessageV1 = 10 << 20
	maxMessageV2 = 40 << 20
)

// maxRecipients is the most recipients (To, Cc and Bcc together) one
// message may have.
const maxRecipients = 50

// Delivery statuses of outbox messages.
const (
	// DeliveryStored: no SMTP relay is configured; the message is kept
	// in the outbox only.
	DeliveryStored = "stored"
	// DeliveryPending: waiting for its first attempt.
	DeliveryPending = "pending"
	// DeliveryRetrying: an attempt failed; another is due at NextAttempt.
	DeliveryRetrying = "retrying"
	// DeliveryDelivered: the relay accepted the message.
	DeliveryDelivered = "delivered"
	// DeliveryFailed: the relay refused the message for good, or every
	// attempt failed.
	DeliveryFailed = "failed"
)

// outgoing is one message accepted for sending.
type outgoing struct {
	api      string   // "SendEmail", "SendRawEmail" or "v2 SendEmail"
	v2       bool     // answer in v2's words
	envFrom  string   // envelope sender, a bare address
	rcpts    []string // envelope recipients, as given
	from     string   // the From header, as written
	to, cc   []string // header recipients, as written
	bcc      []string
	subject  string
	raw      []byte            // the message, when the caller gave it (raw sends)
	simple   *simpleMessage    // the message to build otherwise
	check    []string          // identities that must be verified, as written
	checkKey map[string]string // bare address of each entry of check
}

// newMessageID returns a MessageId shaped as SES shapes them:
// "<region code><milliseconds, 12 hex digits>-<uuid>-000000", e.g.
// 0100018c7e5f7a3b-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f-000000.
func (s *Service) newMessageID(now time.Time) string {
	code, ok := regionCodes[s.cfg.Region]
	if !ok {
		code = "0100"
	}
	ms := strconv.FormatInt(now.UnixMilli(), 16)
	if len(ms) < 12 {
		ms = strings.Repeat("0", 12-len(ms)) + ms
	}
	return code + ms + "-" + uuid.NewString() + "-000000"
}

// regionCodes are the first four hex digits of MessageIds per region, as
// seen in messages sent from them.
var regionCodes = map[string]string{
	"us-east-1": "0100",
	"us-west-2": "0101",
	"eu-west-1": "0102",
}

// verified reports whether a bare address may send: its own identity, its
// domain's or a parent domain's is verified. Callers hold s.mu.
func (s *Service) verified(addr string) bool {
	if s.lookup(addr) != nil {
		return true
	}
	d := domainOf(addr)
	for d != "" {
		if id := s.lookup(d); id != nil && id.typ == typeDomain {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	return false
}

// send checks, builds, stores and queues one message, and returns its
// MessageId.
func (s *Service) send(ctx context.Context, m *outgoing) (string, error) {
	s.mu.RLock()
	var failed []string
	for _, c := range m.check {
		if !s.verified(m.checkKey[c]) {
			failed = append(failed, c)
		}
	}
	s.mu.RUnlock()
	if len(failed) > 0 {
		return "", s.errNotVerified(failed)
	}
	now := s.cfg.Now()
	id := s.newMessageID(now)
	raw := m.raw
	if raw == nil {
		raw = buildMIME(m.simple, id, now)
	}
	limit := maxMessageV1
	if m.v2 {
		limit = maxMessageV2
	}
	if len(raw) > limit {
		return "", badInput(m.v2, "Message length is more than "+strconv.Itoa(limit)+" bytes long: '"+strconv.Itoa(len(raw))+"'.")
	}
	status := DeliveryStored
	if s.cfg.SMTPRelay != "" {
		status = DeliveryPending
	}
	rcpts, _ := json.Marshal(nonNil(m.rcpts))
	index := make([]string, 0, len(m.rcpts))
	for _, r := range m.rcpts {
		if a, err := parseAddress(r); err == nil {
			index = append(index, strings.ToLower(a.addr))
		}
	}
	idx, _ := json.Marshal(index)
	to, _ := json.Marshal(nonNil(m.to))
	cc, _ := json.Marshal(nonNil(m.cc))
	bcc, _ := json.Marshal(nonNil(m.bcc))
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO ses_messages (message_id, api, source, recipients, rcpt_index, from_header,
			to_list, cc_list, bcc_list, subject, created, raw, status, relay)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, m.api, m.envFrom, string(rcpts), string(idx), m.from, string(to), string(cc), string(bcc),
			m.subject, now.UnixMilli(), raw, status, s.cfg.SMTPRelay)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store message: %w", err)
	}
	if status == DeliveryPending {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return id, nil
}

// checkAddresses parses every address of a list, answering the first bad
// one with each API's error.
func checkAddresses(v2 bool, lists ...[]string) error {
	for _, l := range lists {
		for _, a := range l {
			if _, err := parseAddress(a); err != nil {
				return addressError(v2, a, err)
			}
		}
	}
	return nil
}

// addressError words a bad address: v1 says what is wrong with it
// ("Missing final '@domain'"), v2 "Invalid email address <a>.".
func addressError(v2 bool, a string, err error) error {
	if v2 {
		return badInput(true, "Invalid email address "+a+".")
	}
	return badInput(false, err.Error())
}

// simpleOutgoing prepares a message SES builds (v1 SendEmail, v2 Simple).
func simpleOutgoing(v2 bool, api string, m *simpleMessage, bcc []string, returnPath string) (*outgoing, error) {
	if err := checkAddresses(v2, []string{m.From}, m.To, m.Cc, bcc, m.ReplyTo); err != nil {
		return nil, err
	}
	if returnPath != "" {
		if err := checkAddresses(v2, []string{returnPath}); err != nil {
			return nil, err
		}
	}
	n := len(m.To) + len(m.Cc) + len(bcc)
	if n == 0 {
		return nil, badInput(v2, "Missing required header 'To'.")
	}
	if n > maxRecipients {
		return nil, badInput(v2, "Recipient count exceeds 50.")
	}
	from, _ := parseAddress(m.From)
	o := &outgoing{
		api: api, v2: v2, envFrom: from.addr, from: m.From, to: m.To, cc: m.Cc, bcc: bcc,
		subject: m.Subject, simple: m,
		check:    []string{m.From},
		checkKey: map[string]string{m.From: from.addr},
	}
	if returnPath != "" {
		rp, _ := parseAddress(returnPath)
		o.envFrom = rp.addr
		if _, ok := o.checkKey[returnPath]; !ok {
			o.check = append(o.check, returnPath)
			o.checkKey[returnPath] = rp.addr
		}
	}
	o.rcpts = make([]string, 0, n)
	o.rcpts = append(append(append(o.rcpts, m.To...), m.Cc...), bcc...)
	return o, nil
}

// rawOutgoing prepares a message the caller built (v1 SendRawEmail, v2
// Raw): the envelope sender is source or the From header, the recipients
// destinations or the To, Cc and Bcc headers.
func rawOutgoing(v2 bool, api string, raw []byte, source string, destinations []string) (*outgoing, error) {
	limit := maxMessageV1
	if v2 {
		limit = maxMessageV2
	}
	if len(raw) > limit {
		return nil, badInput(v2, "Message length is more than "+strconv.Itoa(limit)+" bytes long: '"+strconv.Itoa(len(raw))+"'.")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, badInput(v2, "Illegal header in the raw message: "+strings.TrimPrefix(err.Error(), "mail: ")+".")
	}
	h := msg.Header
	o := &outgoing{api: api, v2: v2, raw: raw, checkKey: map[string]string{}}
	fromHeader := strings.TrimSpace(h.Get("From"))
	if source == "" && fromHeader == "" {
		return nil, badInput(v2, "Missing required header 'From'.")
	}
	var fromAddr string
	if fromHeader != "" {
		list, err := mail.ParseAddressList(fromHeader)
		if err != nil || len(list) == 0 {
			return nil, addressError(v2, fromHeader, errIllegalAddress)
		}
		fromAddr = list[0].Address
		if err := checkAddress(fromAddr); err != nil {
			return nil, addressError(v2, fromHeader, err)
		}
		o.from = decodeHeader(fromHeader)
		o.check = append(o.check, fromHeader)
		o.checkKey[fromHeader] = fromAddr
	}
	if source != "" {
		src, err := parseAddress(source)
		if err != nil {
			return nil, addressError(v2, source, err)
		}
		o.envFrom = src.addr
		if o.from == "" {
			o.from = source
		}
		if _, ok := o.checkKey[source]; !ok {
			o.check = append(o.check, source)
			o.checkKey[source] = src.addr
		}
	} else {
		o.envFrom = fromAddr
		if _, ok := o.checkKey[fromAddr]; !ok {
			o.check = append(o.check, fromAddr)
			o.checkKey[fromAddr] = fromAddr
		}
	}
	o.subject = decodeHeader(h.Get("Subject"))
	o.to, err = headerAddresses(v2, h, "To")
	if err != nil {
		return nil, err
	}
	if o.cc, err = headerAddresses(v2, h, "Cc"); err != nil {
		return nil, err
	}
	if o.bcc, err = headerAddresses(v2, h, "Bcc"); err != nil {
		return nil, err
	}
	if len(destinations) > 0 {
		if err := checkAddresses(v2, destinations); err != nil {
			return nil, err
		}
		o.rcpts = destinations
	} else {
		if _, ok := h["To"]; ok && len(o.to) == 0 {
			return nil, badInput(v2, "Empty required header 'To'.")
		}
		o.rcpts = append(append(append([]string{}, o.to...), o.cc...), o.bcc...)
		if len(o.rcpts) == 0 {
			return nil, badInput(v2, "Missing required header 'To'.")
		}
	}
	if len(o.rcpts) > maxRecipients {
		return nil, badInput(v2, "Recipient count exceeds 50.")
	}
	return o, nil
}

// headerAddresses reads an address header of a raw message.
func headerAddresses(v2 bool, h mail.Header, name string) ([]string, error) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return nil, addressError(v2, v, errIllegalAddress)
	}
	out := make([]string, len(list))
	for i, a := range list {
		if err := checkAddress(a.Address); err != nil {
			return nil, addressError(v2, a.Address, err)
		}
		if a.Name != "" {
			out[i] = a.Name + " <" + a.Address + ">"
		} else {
			out[i] = a.Address
		}
	}
	return out, nil
}

// decodeHeader decodes RFC 2047 words, keeping the text when it cannot.
func decodeHeader(v string) string {
	dec := mimeWordDecoder()
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}
