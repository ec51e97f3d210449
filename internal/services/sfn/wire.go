package sfn

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/store"
)

// epoch is a timestamp as awsJson encodes it: seconds since the Unix epoch
// with a millisecond fraction, a JSON number.
type epoch time.Time

// MarshalJSON writes the seconds with three decimals.
func (t epoch) MarshalJSON() ([]byte, error) { return appendEpoch(nil, time.Time(t)), nil }

// IsZero reports an unset time, so `omitzero` leaves it out.
func (t epoch) IsZero() bool { return time.Time(t).IsZero() }

func appendEpoch(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	neg := ms < 0
	if neg {
		dst = append(dst, '-')
		ms = -ms
	}
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	dst = append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return dst
}

// Resource types of Step Functions ARNs.
const (
	kindStateMachine = "stateMachine"
	kindExecution    = "execution"
	kindExpress      = "express"
	kindActivity     = "activity"
	kindMapRun       = "mapRun"
)

// arn is a parsed Step Functions ARN:
// arn:<partition>:states:<region>:<account>:<kind>:<res[0]>:<res[1]>...
type arn struct {
	raw             string
	region, account string
	kind            string
	res             []string
}

// parseARN parses s, or returns AWS's InvalidArn error.
func parseARN(s string) (arn, error) {
	if !strings.HasPrefix(s, "arn:") {
		return arn{}, errInvalidArn("Invalid ARN prefix: " + s)
	}
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[1] == "" || parts[2] != "states" {
		return arn{}, errInvalidArn("Invalid ARN: " + s)
	}
	a := arn{raw: s, region: parts[3], account: parts[4], kind: parts[5], res: parts[6:]}
	for _, r := range a.res {
		if r == "" {
			return arn{}, errInvalidArn("Invalid ARN: " + s)
		}
	}
	return a, nil
}

// getByARN validates raw as an ARN of kind and reads the resource with
// get; missing makes AWS's error for one that does not exist.
func getByARN[T any](ctx context.Context, raw, kind string, get func(context.Context, string) (T, error), missing func(string) *awsproto.Error) (T, error) {
	var zero T
	a, err := parseARN(raw)
	if err != nil {
		return zero, err
	}
	if err := a.wantKind(kind); err != nil {
		return zero, err
	}
	v, err := get(ctx, raw)
	if errors.Is(err, store.ErrNotFound) {
		return zero, missing(raw)
	}
	return v, err
}

// stateMachine reads the state machine ref names (not a version or an
// alias of it); StateMachineDoesNotExist if there is none.
func (s *Service) stateMachine(ctx context.Context, ref smRef) (store.StateMachine, error) {
	sm, err := s.st.GetStateMachine(ctx, ref.base)
	if errors.Is(err, store.ErrNotFound) {
		return store.StateMachine{}, errStateMachineDoesNotExist(ref.arn)
	}
	return sm, err
}

// wantKind returns AWS's error for an ARN of another resource type.
func (a arn) wantKind(kinds ...string) error {
	for _, k := range kinds {
		if a.kind == k {
			return nil
		}
	}
	return errInvalidArn("Resource type not valid in this context: " + a.kind)
}

// smRef is a state machine ARN, possibly qualified by a version number or
// an alias name.
type smRef struct {
	arn     string // as given
	base    string // the unqualified state machine ARN
	name    string // the state machine name
	version int64  // > 0 for a version ARN
	alias   string // set for an alias ARN
}

// parseStateMachineARN parses a state machine, version or alias ARN.
func parseStateMachineARN(s string) (smRef, error) {
	a, err := parseARN(s)
	if err != nil {
		return smRef{}, err
	}
	if err := a.wantKind(kindStateMachine); err != nil {
		return smRef{}, err
	}
	if len(a.res) > 2 {
		return smRef{}, errInvalidArn("Invalid ARN: " + s)
	}
	ref := smRef{arn: s, name: a.res[0]}
	ref.base = strings.Join(strings.Split(s, ":")[:7], ":")
	if len(a.res) == 2 {
		q := a.res[1]
		if n, err := strconv.ParseInt(q, 10, 64); err == nil && isDigits(q) {
			if n <= 0 {
				return smRef{}, errInvalidArn("Invalid ARN: " + s)
			}
			ref.version = n
		} else {
			ref.alias = q
		}
	}
	return ref, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// qualified reports whether the ARN names a version or an alias.
func (r smRef) qualified() bool { return r.version > 0 || r.alias != "" }

func (s *Service) arnPrefix() string {
	return "arn:aws:states:" + s.cfg.Region + ":" + s.cfg.Account + ":"
}

func (s *Service) stateMachineARN(name string) string {
	return s.arnPrefix() + kindStateMachine + ":" + name
}

func (s *Service) executionARN(machine, name string) string {
	return s.arnPrefix() + kindExecution + ":" + machine + ":" + name
}

func (s *Service) expressARN(machine, name, id string) string {
	return s.arnPrefix() + kindExpress + ":" + machine + ":" + name + ":" + id
}

func (s *Service) activityARN(name string) string {
	return s.arnPrefix() + kindActivity + ":" + name
}

// Name rules.

// maxNameLen is the longest state machine, execution or activity name.
const maxNameLen = 80

// validName reports whether name is a valid state machine, execution or
// activity name: 1 to 80 characters, none of them whitespace, brackets
// (< > { } [ ]), wildcards (? *), the special characters " # % \ ^ | ~ ` $
// & , ; : / or control characters.
func validName(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > maxNameLen || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		switch {
		case r <= 0x20, r >= 0x7f && r <= 0x9f:
			return false
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		case r == 0x85, r == 0xa0, r == 0x1680, r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029,
			r == 0x202f, r == 0x205f, r == 0x3000, r == 0xfeff:
			return false // Unicode whitespace
		}
	}
	return true
}

// checkName validates a resource name: the length as AWS's request
// validator words it, the characters as InvalidName.
func checkName(field, name string) error {
	if utf8.RuneCountInString(name) > maxNameLen {
		return errTooLong(field, name, maxNameLen, false)
	}
	if !validName(name) {
		return errInvalidName(name)
	}
	return nil
}

// Paging tokens: a list call's store cursor, tagged with the list it
// belongs to so a token of another list is refused.

func encodeToken(kind, cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + cursor))
}

// decodeToken returns the cursor of a token encodeToken made for kind.
func decodeToken(kind, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", errInvalidToken("Invalid token")
	}
	k, cursor, ok := strings.Cut(string(b), "\x00")
	if !ok || k != kind || cursor == "" {
		return "", errInvalidToken("Invalid token")
	}
	return cursor, nil
}

// Page sizes.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
	maxTokenLen     = 1024
)

// pageSize validates a maxResults member (0 means the default).
func pageSize(n int64) (int, error) {
	switch {
	case n < 0:
		return 0, errTooSmall("maxResults", n, 0)
	case n > maxPageSize:
		return 0, errTooLarge("maxResults", n, maxPageSize)
	case n == 0:
		return defaultPageSize, nil
	}
	return int(n), nil
}

// checkToken validates a nextToken member's length.
func checkToken(token string, max int) error {
	if len(token) > max {
		return errTooLong("nextToken", token, max, false)
	}
	return nil
}
