package ses

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"
)

// actionsV2 are the SES v2 actions Stepflow serves.
var actionsV2 = map[string]handler{
	"CreateEmailIdentity": (*Service).createEmailIdentity,
	"GetEmailIdentity":    (*Service).getEmailIdentity,
	"DeleteEmailIdentity": (*Service).deleteEmailIdentity,
	"ListEmailIdentities": (*Service).listEmailIdentities,
	"SendEmail":           (*Service).sendEmailV2,
	"GetAccount":          (*Service).getAccount,
	"TagResource":         (*Service).tagResource,
	"UntagResource":       (*Service).untagResource,
	"ListTagsForResource": (*Service).listTagsForResource,
}

// Tag limits (SES v2 TagResource).
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	maxPageV2      = 1000
)

type dkimAttributes struct {
	SigningEnabled             bool       `json:"SigningEnabled"`
	Status                     string     `json:"Status,omitempty"`
	Tokens                     []string   `json:"Tokens,omitempty"`
	SigningAttributesOrigin    string     `json:"SigningAttributesOrigin,omitempty"`
	NextSigningKeyLength       string     `json:"NextSigningKeyLength,omitempty"`
	CurrentSigningKeyLength    string     `json:"CurrentSigningKeyLength,omitempty"`
	LastKeyGenerationTimestamp *timestamp `json:"LastKeyGenerationTimestamp,omitempty"`
}

// dkimOf describes an identity's Easy DKIM: domains sign (verified at
// once), addresses have not started.
func dkimOf(id *identity) *dkimAttributes {
	if id.typ != typeDomain {
		return &dkimAttributes{Status: "NOT_STARTED", SigningAttributesOrigin: "AWS_SES", NextSigningKeyLength: "RSA_1024_BIT"}
	}
	t := timestamp(id.created)
	return &dkimAttributes{
		SigningEnabled: true, Status: "SUCCESS", Tokens: id.dkim, SigningAttributesOrigin: "AWS_SES",
		NextSigningKeyLength: "RSA_2048_BIT", CurrentSigningKeyLength: "RSA_2048_BIT", LastKeyGenerationTimestamp: &t,
	}
}

// identityArn is an identity's ARN.
func (s *Service) identityArn(name string) string {
	return "arn:aws:ses:" + s.cfg.Region + ":" + s.cfg.Account + ":identity/" + name
}

// checkTags validates tags as TagResource does.
func checkTags(tags []tag) error {
	if len(tags) > maxTags {
		return badInput(true, "Too many tags: a resource can have at most "+strconv.Itoa(maxTags)+" tags.")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKeyLen {
			return badInput(true, "Invalid tag key '"+t.Key+"': a key has 1 to 128 characters.")
		}
		if utf8.RuneCountInString(t.Value) > maxTagValueLen {
			return badInput(true, "Invalid value for tag '"+t.Key+"': a value has at most 256 characters.")
		}
		if seen[t.Key] {
			return badInput(true, "Duplicate tag key '"+t.Key+"'.")
		}
		seen[t.Key] = true
	}
	return nil
}

func (s *Service) createEmailIdentity(ctx context.Context, in []byte) (any, error) {
	var req struct {
		EmailIdentity        string
		Tags                 []tag
		ConfigurationSetName string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	name := req.EmailIdentity
	typ := typeDomain
	if strings.ContainsRune(name, '@') {
		typ = typeEmail
		if err := checkAddress(name); err != nil {
			return nil, badInput(true, "Invalid email address "+name+".")
		}
	} else if err := checkDomain(name); err != nil {
		return nil, badInput(true, "Invalid domain name "+name+".")
	}
	if err := checkTags(req.Tags); err != nil {
		return nil, err
	}
	if req.ConfigurationSetName != "" {
		return nil, errNoConfigSet(true, req.ConfigurationSetName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(name) != nil {
		return nil, apiError(CodeAlreadyExists, "Email identity "+name+" already exist.")
	}
	id := &identity{name: name, typ: typ, tags: req.Tags, created: s.cfg.Now().UTC()}
	if typ == typeDomain {
		id.token, id.dkim = newToken(32), newDKIMTokens()
	}
	if err := s.putIdentity(ctx, id); err != nil {
		return nil, err
	}
	out := struct {
		IdentityType             string          `json:"IdentityType"`
		VerifiedForSendingStatus bool            `json:"VerifiedForSendingStatus"`
		DkimAttributes           *dkimAttributes `json:"DkimAttributes,omitempty"`
	}{IdentityType: typ, VerifiedForSendingStatus: true}
	if typ == typeDomain {
		out.DkimAttributes = dkimOf(id)
	}
	return out, nil
}

// errIdentityNotFound is v2's answer for an identity that does not exist.
func errIdentityNotFound(name string) error {
	return apiError(CodeNotFound, "Email identity "+name+" does not exist.")
}

func (s *Service) getEmailIdentity(_ context.Context, in []byte) (any, error) {
	var req struct{ EmailIdentity string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.RLock()
	id := s.lookup(req.EmailIdentity)
	s.mu.RUnlock()
	if id == nil {
		return nil, errIdentityNotFound(req.EmailIdentity)
	}
	type verificationInfo struct {
		LastCheckedTimestamp *timestamp `json:"LastCheckedTimestamp,omitempty"`
		LastSuccessTimestamp *timestamp `json:"LastSuccessTimestamp,omitempty"`
	}
	info := verificationInfo{}
	if id.typ == typeDomain {
		t := timestamp(id.created)
		info.LastCheckedTimestamp, info.LastSuccessTimestamp = &t, &t
	}
	return struct {
		IdentityType             string            `json:"IdentityType"`
		FeedbackForwardingStatus bool              `json:"FeedbackForwardingStatus"`
		VerifiedForSendingStatus bool              `json:"VerifiedForSendingStatus"`
		DkimAttributes           *dkimAttributes   `json:"DkimAttributes"`
		MailFromAttributes       map[string]string `json:"MailFromAttributes"`
		Policies                 map[string]string `json:"Policies"`
		Tags                     []tag             `json:"Tags"`
		VerificationStatus       string            `json:"VerificationStatus"`
		VerificationInfo         verificationInfo  `json:"VerificationInfo"`
	}{
		IdentityType: id.typ, FeedbackForwardingStatus: true, VerifiedForSendingStatus: true,
		DkimAttributes:     dkimOf(id),
		MailFromAttributes: map[string]string{"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
		Policies:           map[string]string{}, Tags: nonNilTags(id.tags),
		VerificationStatus: "SUCCESS", VerificationInfo: info,
	}, nil
}

func (s *Service) deleteEmailIdentity(ctx context.Context, in []byte) (any, error) {
	var req struct{ EmailIdentity string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(req.EmailIdentity) == nil {
		return nil, errIdentityNotFound(req.EmailIdentity)
	}
	return struct{}{}, s.deleteIdentity(ctx, req.EmailIdentity)
}

func (s *Service) listEmailIdentities(_ context.Context, in []byte) (any, error) {
	var req struct {
		NextToken string
		PageSize  *int64
		// Filter (newer SDKs): IDENTITY_NAME_CONTAINS, IDENTITY_TYPE,
		// VERIFICATION_STATUS.
		Filter map[string]string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	keep, err := identityFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	size := maxPageV2
	if req.PageSize != nil {
		if *req.PageSize < 0 || *req.PageSize > maxPageV2 {
			return nil, badInput(true, "PageSize "+strconv.FormatInt(*req.PageSize, 10)+" is invalid: it must be between 0 and 1000.")
		}
		if *req.PageSize > 0 {
			size = int(*req.PageSize)
		}
	}
	var after int64
	if req.NextToken != "" {
		var ok bool
		if after, ok = decodeToken("v2"+tokenIdentity, req.NextToken); !ok {
			return nil, badInput(true, "Invalid NextToken: pass the NextToken of the previous ListEmailIdentities response.")
		}
	}
	ids, next := s.page("v2"+tokenIdentity, "", keep, after, size)
	type info struct {
		IdentityType       string `json:"IdentityType"`
		IdentityName       string `json:"IdentityName"`
		SendingEnabled     bool   `json:"SendingEnabled"`
		VerificationStatus string `json:"VerificationStatus"`
	}
	list := make([]info, len(ids))
	for i, id := range ids {
		list[i] = info{IdentityType: id.typ, IdentityName: id.name, SendingEnabled: true, VerificationStatus: "SUCCESS"}
	}
	return struct {
		EmailIdentities []info `json:"EmailIdentities"`
		NextToken       string `json:"NextToken,omitempty"`
	}{list, next}, nil
}

// identityFilter compiles ListEmailIdentities' Filter. Every identity is
// verified, so VERIFICATION_STATUS keeps all (SUCCESS) or none.
func identityFilter(f map[string]string) (func(*identity) bool, error) {
	if len(f) == 0 {
		return nil, nil
	}
	var checks []func(*identity) bool
	for k, v := range f {
		switch k {
		case "IDENTITY_NAME_CONTAINS":
			sub := strings.ToLower(v)
			checks = append(checks, func(id *identity) bool { return strings.Contains(strings.ToLower(id.name), sub) })
		case "IDENTITY_TYPE":
			switch v {
			case typeEmail, typeDomain, "MANAGED_DOMAIN":
			default:
				return nil, badInput(true, "Invalid IDENTITY_TYPE filter "+v+": use EMAIL_ADDRESS, DOMAIN or MANAGED_DOMAIN.")
			}
			checks = append(checks, func(id *identity) bool { return id.typ == v })
		case "VERIFICATION_STATUS":
			checks = append(checks, func(*identity) bool { return v == "SUCCESS" })
		default:
			return nil, badInput(true, "Invalid filter key "+k+": use IDENTITY_NAME_CONTAINS, IDENTITY_TYPE or VERIFICATION_STATUS.")
		}
	}
	return func(id *identity) bool {
		for _, c := range checks {
			if !c(id) {
				return false
			}
		}
		return true
	}, nil
}

func (s *Service) getAccount(ctx context.Context, _ []byte) (any, error) {
	q, err := s.quota(ctx)
	if err != nil {
		return nil, err
	}
	return struct {
		DedicatedIpAutoWarmupEnabled bool                `json:"DedicatedIpAutoWarmupEnabled"`
		EnforcementStatus            string              `json:"EnforcementStatus"`
		ProductionAccessEnabled      bool                `json:"ProductionAccessEnabled"`
		SendQuota                    sendQuota           `json:"SendQuota"`
		SendingEnabled               bool                `json:"SendingEnabled"`
		SuppressionAttributes        map[string][]string `json:"SuppressionAttributes"`
	}{
		EnforcementStatus: "HEALTHY", ProductionAccessEnabled: true, SendQuota: q, SendingEnabled: true,
		SuppressionAttributes: map[string][]string{"SuppressedReasons": {}},
	}, nil
}

// resourceIdentity returns the identity an ARN names, or v2's NotFound.
// Callers hold s.mu.
func (s *Service) resourceIdentity(arn string) (*identity, error) {
	prefix := "arn:aws:ses:" + s.cfg.Region + ":" + s.cfg.Account + ":identity/"
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok || name == "" {
		if !strings.HasPrefix(arn, "arn:") {
			return nil, badInput(true, "Invalid ARN "+arn+".")
		}
		return nil, apiError(CodeNotFound, "Resource "+arn+" does not exist: Stepflow keeps tags on identities ("+prefix+"<identity>) only.")
	}
	id := s.lookup(name)
	if id == nil {
		return nil, apiError(CodeNotFound, "Resource "+arn+" does not exist.")
	}
	return id, nil
}

func (s *Service) tagResource(ctx context.Context, in []byte) (any, error) {
	var req struct {
		ResourceArn string
		Tags        []tag
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if err := checkTags(req.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.resourceIdentity(req.ResourceArn)
	if err != nil {
		return nil, err
	}
	merged := append([]tag(nil), id.tags...)
	for _, t := range req.Tags {
		replaced := false
		for i := range merged {
			if merged[i].Key == t.Key {
				merged[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			merged = append(merged, t)
		}
	}
	if len(merged) > maxTags {
		return nil, badInput(true, "Too many tags: a resource can have at most "+strconv.Itoa(maxTags)+" tags.")
	}
	nid := *id
	nid.tags = merged
	return struct{}{}, s.putIdentity(ctx, &nid)
}

func (s *Service) untagResource(ctx context.Context, in []byte) (any, error) {
	var req struct {
		ResourceArn string
		TagKeys     []string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.resourceIdentity(req.ResourceArn)
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range req.TagKeys {
		drop[k] = true
	}
	kept := []tag{}
	for _, t := range id.tags {
		if !drop[t.Key] {
			kept = append(kept, t)
		}
	}
	nid := *id
	nid.tags = kept
	return struct{}{}, s.putIdentity(ctx, &nid)
}

func (s *Service) listTagsForResource(_ context.Context, in []byte) (any, error) {
	var req struct{ ResourceArn string }
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := s.resourceIdentity(req.ResourceArn)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []tag `json:"Tags"`
	}{nonNilTags(id.tags)}, nil
}

func (s *Service) sendEmailV2(ctx context.Context, in []byte) (any, error) {
	var req struct {
		FromEmailAddress string
		Destination      *v1Destination
		ReplyToAddresses []string
		Content          struct {
			Simple *struct {
				Subject content
				Body    struct{ Text, Html *content }
				Headers []header
			}
			Raw *struct {
				Data []byte
			}
			Template *struct {
				TemplateName string
				TemplateArn  string
			}
		}
		ConfigurationSetName string
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	c := req.Content
	n := 0
	for _, set := range []bool{c.Simple != nil, c.Raw != nil, c.Template != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, badInput(true, "Content must contain exactly one of Simple, Raw or Template.")
	}
	if req.ConfigurationSetName != "" {
		return nil, errNoConfigSet(true, req.ConfigurationSetName)
	}
	var dest v1Destination
	if req.Destination != nil {
		dest = *req.Destination
	}
	var (
		o   *outgoing
		err error
	)
	switch {
	case c.Template != nil:
		name := c.Template.TemplateName
		if name == "" {
			name = c.Template.TemplateArn
		}
		if name == "" {
			return nil, badInput(true, "Template content is not supported by Stepflow yet: send Simple or Raw content.")
		}
		return nil, apiError(CodeNotFound, "Template "+name+" does not exist.")
	case c.Raw != nil:
		if err := checkAddresses(true, dest.ToAddresses, dest.CcAddresses, dest.BccAddresses); err != nil {
			return nil, err
		}
		rcpts := append(append(append([]string{}, dest.ToAddresses...), dest.CcAddresses...), dest.BccAddresses...)
		o, err = rawOutgoing(true, "v2 SendEmail", c.Raw.Data, req.FromEmailAddress, rcpts)
	default:
		if req.FromEmailAddress == "" {
			return nil, badInput(true, "Missing required field FromEmailAddress: Simple content needs a sender.")
		}
		sm := c.Simple
		m := &simpleMessage{
			From: req.FromEmailAddress, To: dest.ToAddresses, Cc: dest.CcAddresses, ReplyTo: req.ReplyToAddresses,
			Subject: sm.Subject.Data, Headers: sm.Headers,
		}
		if sm.Body.Text != nil {
			m.Text = &sm.Body.Text.Data
		}
		if sm.Body.Html != nil {
			m.HTML = &sm.Body.Html.Data
		}
		o, err = simpleOutgoing(true, "v2 SendEmail", m, dest.BccAddresses, "")
	}
	if err != nil {
		return nil, err
	}
	id, err := s.send(ctx, o)
	if err != nil {
		return nil, err
	}
	return messageIDOutput{id}, nil
}
