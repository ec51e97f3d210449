package ses

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// actionsV1 are the SES v1 actions Stepflow serves.
var actionsV1 = map[string]handler{
	"VerifyEmailIdentity":               (*Service).verifyEmailIdentity,
	"VerifyEmailAddress":                (*Service).verifyEmailAddress,
	"VerifyDomainIdentity":              (*Service).verifyDomainIdentity,
	"GetIdentityVerificationAttributes": (*Service).getIdentityVerificationAttributes,
	"ListIdentities":                    (*Service).listIdentities,
	"DeleteIdentity":                    (*Service).deleteIdentityV1,
	"DeleteVerifiedEmailAddress":        (*Service).deleteVerifiedEmailAddress,
	"ListVerifiedEmailAddresses":        (*Service).listVerifiedEmailAddresses,
	"SendEmail":                         (*Service).sendEmailV1,
	"SendRawEmail":                      (*Service).sendRawEmail,
	"GetSendQuota":                      (*Service).getSendQuota,
	"GetSendStatistics":                 (*Service).getSendStatistics,
}

// noResultV1 are the v1 actions whose model has no output shape: their
// XML response has no <ActionResult> element.
var noResultV1 = map[string]bool{
	"VerifyEmailAddress":         true,
	"DeleteVerifiedEmailAddress": true,
}

// timestamp is a model timestamp: epoch seconds in JSON, ISO 8601 in XML.
type timestamp time.Time

// MarshalJSON writes seconds since the epoch with a millisecond fraction.
func (t timestamp) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	s := strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	return []byte(s), nil
}

// iso is the XML form.
func (t timestamp) iso() string { return time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Service) verifyEmailIdentity(ctx context.Context, in []byte) (any, error) {
	var req struct{ EmailAddress string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	return struct{}{}, s.verifyEmail(ctx, req.EmailAddress)
}

func (s *Service) verifyEmailAddress(ctx context.Context, in []byte) (any, error) {
	var req struct{ EmailAddress string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	return nil, s.verifyEmail(ctx, req.EmailAddress)
}

// verifyEmail creates (or keeps) a verified e-mail address identity.
func (s *Service) verifyEmail(ctx context.Context, addr string) error {
	if err := checkAddress(addr); err != nil {
		return badInput(false, "Invalid email address "+addr+".")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(addr) != nil {
		return nil
	}
	return s.putIdentity(ctx, &identity{name: addr, typ: typeEmail, created: s.cfg.Now().UTC()})
}

func (s *Service) verifyDomainIdentity(ctx context.Context, in []byte) (any, error) {
	var req struct{ Domain string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := checkDomain(req.Domain); err != nil || strings.ContainsRune(req.Domain, '@') {
		return nil, badInput(false, "Invalid domain name "+req.Domain+".")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.lookup(req.Domain)
	if id == nil || id.typ != typeDomain {
		id = &identity{name: req.Domain, typ: typeDomain, token: newToken(32), dkim: newDKIMTokens(), created: s.cfg.Now().UTC()}
		if err := s.putIdentity(ctx, id); err != nil {
			return nil, err
		}
	} else if id.token == "" {
		nid := *id
		nid.token = newToken(32)
		if err := s.putIdentity(ctx, &nid); err != nil {
			return nil, err
		}
		id = &nid
	}
	return struct {
		VerificationToken string `json:"VerificationToken"`
	}{id.token}, nil
}

// newToken returns n random bytes in base64, the form of SES's domain
// verification tokens.
func newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// newDKIMTokens returns three DKIM tokens: 32 lower-case base32
// characters each, as SES's Easy DKIM tokens are.
func newDKIMTokens() []string {
	out := make([]string, 3)
	for i := range out {
		b := make([]byte, 20)
		_, _ = rand.Read(b)
		out[i] = strings.ToLower(base32.StdEncoding.EncodeToString(b))
	}
	return out
}

type verificationAttributes struct {
	VerificationStatus string `json:"VerificationStatus"`
	VerificationToken  string `json:"VerificationToken,omitempty"`
}

func (s *Service) getIdentityVerificationAttributes(_ context.Context, in []byte) (any, error) {
	var req struct{ Identities []string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	attrs := map[string]verificationAttributes{}
	s.mu.RLock()
	for _, name := range req.Identities {
		if id := s.lookup(name); id != nil {
			attrs[name] = verificationAttributes{VerificationStatus: "Success", VerificationToken: id.token}
		}
	}
	s.mu.RUnlock()
	return struct {
		VerificationAttributes map[string]verificationAttributes `json:"VerificationAttributes"`
	}{attrs}, nil
}

// Paging.
const (
	maxPageV1     = 1000
	tokenIdentity = "identities"
)

// encodeToken wraps a position (the last identity's creation order) in an
// opaque token bound to the list it belongs to.
func encodeToken(kind string, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(seq, 10)))
}

// decodeToken returns the position of a token of kind; ok is false for a
// token encodeToken did not make.
func decodeToken(kind, token string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	k, n, found := strings.Cut(string(b), ":")
	if !found || k != kind {
		return 0, false
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	return seq, err == nil && seq >= 0
}

// page returns up to size identities of typ that keep accepts (nil: all)
// after position after, and the token of the next page.
func (s *Service) page(kind, typ string, keep func(*identity) bool, after int64, size int) ([]*identity, string) {
	s.mu.RLock()
	all := s.sortedIdentities(typ)
	s.mu.RUnlock()
	var out []*identity
	for _, id := range all {
		if id.seq <= after || keep != nil && !keep(id) {
			continue
		}
		if len(out) == size {
			return out, encodeToken(kind, out[len(out)-1].seq)
		}
		out = append(out, id)
	}
	return out, ""
}

func (s *Service) listIdentities(_ context.Context, in []byte) (any, error) {
	var req struct {
		IdentityType string
		NextToken    string
		MaxItems     *int64
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	size := maxPageV1
	if req.MaxItems != nil {
		if *req.MaxItems < 1 || *req.MaxItems > maxPageV1 {
			return nil, badInput(false, "Value "+strconv.FormatInt(*req.MaxItems, 10)+" for parameter MaxItems is invalid: it must be between 1 and 1000.")
		}
		size = int(*req.MaxItems)
	}
	var after int64
	if req.NextToken != "" {
		var ok bool
		if after, ok = decodeToken(tokenIdentity+req.IdentityType, req.NextToken); !ok {
			return nil, badInput(false, "Invalid NextToken: pass the NextToken of the previous ListIdentities response, with the same IdentityType.")
		}
	}
	typ := ""
	switch req.IdentityType {
	case "EmailAddress":
		typ = typeEmail
	case "Domain":
		typ = typeDomain
	}
	ids, next := s.page(tokenIdentity+req.IdentityType, typ, nil, after, size)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.name
	}
	return struct {
		Identities []string `json:"Identities"`
		NextToken  string   `json:"NextToken,omitempty"`
	}{names, next}, nil
}

func (s *Service) deleteIdentityV1(ctx context.Context, in []byte) (any, error) {
	var req struct{ Identity string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(req.Identity) == nil { // deleting nothing succeeds, as on AWS
		return struct{}{}, nil
	}
	return struct{}{}, s.deleteIdentity(ctx, req.Identity)
}

func (s *Service) deleteVerifiedEmailAddress(ctx context.Context, in []byte) (any, error) {
	var req struct{ EmailAddress string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.lookup(req.EmailAddress); id == nil || id.typ != typeEmail {
		return nil, nil
	}
	return nil, s.deleteIdentity(ctx, req.EmailAddress)
}

func (s *Service) listVerifiedEmailAddresses(context.Context, []byte) (any, error) {
	s.mu.RLock()
	ids := s.sortedIdentities(typeEmail)
	s.mu.RUnlock()
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.name
	}
	return struct {
		VerifiedEmailAddresses []string `json:"VerifiedEmailAddresses"`
	}{names}, nil
}

// v1 send inputs.
type v1Destination struct {
	ToAddresses  []string
	CcAddresses  []string
	BccAddresses []string
}

type v1Tag struct{ Name, Value string }

func (s *Service) sendEmailV1(ctx context.Context, in []byte) (any, error) {
	var req struct {
		Source      string
		Destination v1Destination
		Message     struct {
			Subject content
			Body    struct{ Text, Html *content }
		}
		ReplyToAddresses     []string
		ReturnPath           string
		Tags                 []v1Tag
		ConfigurationSetName string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.ConfigurationSetName != "" {
		return nil, errNoConfigSet(false, req.ConfigurationSetName)
	}
	m := &simpleMessage{
		From: req.Source, To: req.Destination.ToAddresses, Cc: req.Destination.CcAddresses,
		ReplyTo: req.ReplyToAddresses, Subject: req.Message.Subject.Data,
	}
	if c := req.Message.Body.Text; c != nil {
		m.Text = &c.Data
	}
	if c := req.Message.Body.Html; c != nil {
		m.HTML = &c.Data
	}
	o, err := simpleOutgoing(false, "SendEmail", m, req.Destination.BccAddresses, req.ReturnPath)
	if err != nil {
		return nil, err
	}
	id, err := s.send(ctx, o)
	if err != nil {
		return nil, err
	}
	return messageIDOutput{id}, nil
}

type messageIDOutput struct {
	MessageID string `json:"MessageId"`
}

func (s *Service) sendRawEmail(ctx context.Context, in []byte) (any, error) {
	var req struct {
		Source               string
		Destinations         []string
		RawMessage           struct{ Data []byte }
		Tags                 []v1Tag
		ConfigurationSetName string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.ConfigurationSetName != "" {
		return nil, errNoConfigSet(false, req.ConfigurationSetName)
	}
	o, err := rawOutgoing(false, "SendRawEmail", req.RawMessage.Data, req.Source, req.Destinations)
	if err != nil {
		return nil, err
	}
	id, err := s.send(ctx, o)
	if err != nil {
		return nil, err
	}
	return messageIDOutput{id}, nil
}

// errNoConfigSet answers a ConfigurationSetName: Stepflow has no
// configuration sets, so none exists.
func errNoConfigSet(v2 bool, name string) error {
	msg := "Configuration set <" + name + "> does not exist."
	if v2 {
		return apiError(CodeNotFound, msg)
	}
	e := apiError("ConfigurationSetDoesNotExistException", msg)
	return e
}

// Sending quota reported by GetSendQuota and GetAccount: the default
// quota of an account out of the sandbox. It is not enforced.
const (
	quotaMax24Hour = 50000
	quotaMaxRate   = 14
)

// sentSince counts the recipients of the messages accepted since t.
func (s *Service) sentSince(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.comp.Read().QueryRowContext(ctx,
		`SELECT COALESCE(SUM(json_array_length(recipients)), 0) FROM ses_messages WHERE created >= ?`, t.UnixMilli()).Scan(&n)
	return n, err
}

type sendQuota struct {
	Max24HourSend   float64 `json:"Max24HourSend"`
	MaxSendRate     float64 `json:"MaxSendRate"`
	SentLast24Hours float64 `json:"SentLast24Hours"`
}

func (s *Service) quota(ctx context.Context) (sendQuota, error) {
	n, err := s.sentSince(ctx, s.cfg.Now().Add(-24*time.Hour))
	if err != nil {
		return sendQuota{}, err
	}
	return sendQuota{Max24HourSend: quotaMax24Hour, MaxSendRate: quotaMaxRate, SentLast24Hours: float64(n)}, nil
}

func (s *Service) getSendQuota(ctx context.Context, _ []byte) (any, error) {
	return s.quota(ctx)
}

type sendDataPoint struct {
	Timestamp        timestamp `json:"Timestamp"`
	DeliveryAttempts int64     `json:"DeliveryAttempts"`
	Bounces          int64     `json:"Bounces"`
	Complaints       int64     `json:"Complaints"`
	Rejects          int64     `json:"Rejects"`
}

// getSendStatistics reports the last two weeks in 15-minute intervals, as
// SES does: delivery attempts are the recipients of the accepted messages
// (bounces, complaints and rejects are always 0 locally).
func (s *Service) getSendStatistics(ctx context.Context, _ []byte) (any, error) {
	const bucket = 15 * 60 * 1000
	since := s.cfg.Now().Add(-14 * 24 * time.Hour).UnixMilli()
	rows, err := s.comp.Read().QueryContext(ctx,
		`SELECT (created / ?) * ?, SUM(json_array_length(recipients)) FROM ses_messages WHERE created >= ?
		 GROUP BY created / ? ORDER BY 1`, bucket, bucket, since, bucket)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	points := []sendDataPoint{}
	for rows.Next() {
		var ms, n int64
		if err := rows.Scan(&ms, &n); err != nil {
			return nil, err
		}
		points = append(points, sendDataPoint{Timestamp: timestamp(time.UnixMilli(ms).UTC()), DeliveryAttempts: n})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return struct {
		SendDataPoints []sendDataPoint `json:"SendDataPoints"`
	}{points}, nil
}
