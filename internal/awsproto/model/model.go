// Package model holds the compact, generated description of the AWS service
// models Stepflow speaks: for every operation its input shape (members,
// required members, types and the length, range, pattern and enum
// constraints) and the service's error shapes with their HTTP status.
//
// The descriptions are generated from the official Smithy models by
// ../smithygen (go generate in package awsproto) and embedded as gzip JSON
// under data/; they are decoded on first use. Everything returned by this
// package is shared and must be treated as read-only.
package model

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Protocol names, as the Smithy protocol traits spell them.
const (
	AWSJSON10 = "awsJson1_0"
	AWSJSON11 = "awsJson1_1"
	AWSQuery  = "awsQuery"
	RESTJSON1 = "restJson1"
	RESTXML   = "restXml"
)

// Shape types, as Smithy spells them.
const (
	TypeStructure  = "structure"
	TypeUnion      = "union"
	TypeList       = "list"
	TypeMap        = "map"
	TypeString     = "string"
	TypeEnum       = "enum"
	TypeBoolean    = "boolean"
	TypeByte       = "byte"
	TypeShort      = "short"
	TypeInteger    = "integer"
	TypeIntEnum    = "intEnum"
	TypeLong       = "long"
	TypeFloat      = "float"
	TypeDouble     = "double"
	TypeBigInteger = "bigInteger"
	TypeBigDecimal = "bigDecimal"
	TypeTimestamp  = "timestamp"
	TypeBlob       = "blob"
	TypeDocument   = "document"
)

// Service is one AWS service: its protocol, its operations' inputs and its
// errors.
type Service struct {
	// Name is the key the service is stored under (the model file's prefix,
	// e.g. "sfn", "sqs", "cloudwatch-logs").
	Name string `json:"name"`
	// ID is the Smithy service shape id, e.g. "com.amazonaws.sfn#AWSStepFunctions".
	ID string `json:"id"`
	// Version is the API version, e.g. "2016-11-23".
	Version string `json:"version"`
	// Protocol is one of the protocol constants (AWSJSON10, ...).
	Protocol string `json:"protocol"`
	// QueryCompatible is set for JSON services that still answer errors with
	// the awsQuery code in an x-amzn-query-error header (SQS).
	QueryCompatible bool `json:"queryCompatible,omitempty"`
	// TargetPrefix is the X-Amz-Target prefix of awsJson services (the
	// service shape's name, e.g. "AWSStepFunctions").
	TargetPrefix string `json:"targetPrefix,omitempty"`
	// SigningName is the SigV4 service name, e.g. "states".
	SigningName string `json:"signingName"`
	// EndpointPrefix is the host prefix, e.g. "states".
	EndpointPrefix string `json:"endpointPrefix,omitempty"`
	// Namespace is the Smithy namespace, e.g. "com.amazonaws.sfn".
	Namespace string `json:"namespace"`
	// Operations, sorted by name.
	Operations []Operation `json:"operations"`
	// Shapes are referenced by index from operations and members.
	Shapes []Shape `json:"shapes"`
	// Errors are the service's error shapes, sorted by code.
	Errors []Error `json:"errors"`

	opIndex map[string]int
}

// Operation is one API action.
type Operation struct {
	// Name is the action, e.g. "StartExecution".
	Name string `json:"name"`
	// Input indexes Shapes; -1 when the operation takes no input.
	Input int `json:"input"`
	// Errors lists the codes the model says the operation may return.
	Errors []string `json:"errors,omitempty"`
	// HTTP is the REST binding (restJson1, restXml); nil for other protocols.
	HTTP *HTTP `json:"http,omitempty"`
}

// HTTP is an operation's smithy.api#http trait.
type HTTP struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
	Code   int    `json:"code,omitempty"`
}

// Shape is a type with its constraints. Member-level constraint traits are
// folded into a synthetic shape by the generator, so a member's constraints
// are always those of its target.
type Shape struct {
	// Name is the Smithy shape name without namespace.
	Name string `json:"name"`
	// Type is one of the Type constants.
	Type string `json:"type"`
	// Members of a structure or union, in model order.
	Members []Member `json:"members,omitempty"`
	// Elem is a list's element shape; Key and Value a map's.
	Elem  int `json:"elem,omitempty"`
	Key   int `json:"key,omitempty"`
	Value int `json:"value,omitempty"`
	// Length is the smithy.api#length trait (characters, elements, entries
	// or bytes depending on Type).
	Length *Bounds `json:"length,omitempty"`
	// Range is the smithy.api#range trait of numbers.
	Range *Bounds `json:"range,omitempty"`
	// Pattern is the smithy.api#pattern trait as written in the model
	// (ECMA-262 syntax); Match holds RE2 expressions that must all match
	// (or, prefixed with "!", must not match) when the pattern needed
	// rewriting (look-aheads, \uXXXX), otherwise it is empty and Pattern
	// itself is used.
	Pattern string   `json:"pattern,omitempty"`
	Match   []string `json:"match,omitempty"`
	// Enum lists the allowed values of an enum (or of a string with the
	// legacy enum trait), in model order.
	Enum []string `json:"enum,omitempty"`
	// Sensitive values are never echoed in error messages.
	Sensitive bool `json:"sensitive,omitempty"`

	re []matcher
}

// matcher is one compiled expression of a pattern; neg means the value must
// not match it.
type matcher struct {
	re  *regexp.Regexp
	neg bool
}

// Member is one member of a structure or union.
type Member struct {
	// Name is the member name in the model.
	Name string `json:"name"`
	// JSONName is the wire name when it differs from Name (jsonName trait,
	// honoured by restJson1 only).
	JSONName string `json:"jsonName,omitempty"`
	// Target indexes Service.Shapes.
	Target int `json:"target"`
	// Required is the smithy.api#required trait.
	Required bool `json:"required,omitempty"`
	// Location is where a REST binding places the member: "label", "query",
	// "header", "prefixHeaders", "payload", "statusCode", or "" for the body.
	Location string `json:"location,omitempty"`
	// LocationName is the query key or header name.
	LocationName string `json:"locationName,omitempty"`
}

// WireName is the member's key in a JSON body.
func (m *Member) WireName() string {
	if m.JSONName != "" {
		return m.JSONName
	}
	return m.Name
}

// Bounds is an inclusive [Min, Max] interval; nil ends are open.
type Bounds struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// Error is one error shape of a service.
type Error struct {
	// Code is the shape name, e.g. "StateMachineDoesNotExist".
	Code string `json:"code"`
	// Status is the HTTP status: the httpError trait, else the awsQueryError
	// status, else 400 for client and 500 for server errors.
	Status int `json:"status"`
	// Sender is true for client faults (smithy.api#error "client").
	Sender bool `json:"sender"`
	// QueryCode is the awsQueryError code when it differs from Code, e.g.
	// "AWS.SimpleQueueService.NonExistentQueue".
	QueryCode string `json:"queryCode,omitempty"`
}

// Operation returns the named operation.
func (s *Service) Operation(name string) (*Operation, bool) {
	i, ok := s.opIndex[name]
	if !ok {
		return nil, false
	}
	return &s.Operations[i], true
}

// Error returns the service's error shape with the given code.
func (s *Service) Error(code string) (*Error, bool) {
	i := sort.Search(len(s.Errors), func(i int) bool { return s.Errors[i].Code >= code })
	if i < len(s.Errors) && s.Errors[i].Code == code {
		return &s.Errors[i], true
	}
	return nil, false
}

// HasPattern reports whether the shape has a pattern that is enforced
// (patterns RE2 cannot express are not).
func (sh *Shape) HasPattern() bool { return len(sh.re) > 0 }

// Matches reports whether s satisfies the shape's pattern (true when there
// is no enforced pattern).
func (sh *Shape) Matches(s string) bool {
	for _, m := range sh.re {
		if m.re.MatchString(s) == m.neg {
			return false
		}
	}
	return true
}

// MatchesBytes is Matches for a byte slice.
func (sh *Shape) MatchesBytes(b []byte) bool {
	for _, m := range sh.re {
		if m.re.Match(b) == m.neg {
			return false
		}
	}
	return true
}

// Encode writes s as gzip JSON, byte-for-byte reproducible.
func Encode(w io.Writer, s *Service) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode model %s: %w", s.Name, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("encode model %s: %w", s.Name, err)
	}
	return nil
}

// Decode reads a service written by Encode and prepares it for use
// (operation index, compiled patterns).
func Decode(r io.Reader) (*Service, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	var s Service
	if err := json.NewDecoder(zr).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Service) prepare() error {
	s.opIndex = make(map[string]int, len(s.Operations))
	n := len(s.Shapes)
	ok := func(i int) bool { return i >= 0 && i < n }
	for i := range s.Operations {
		op := &s.Operations[i]
		if op.Input != -1 && !ok(op.Input) {
			return fmt.Errorf("decode model %s: operation %s: bad input index %d", s.Name, op.Name, op.Input)
		}
		s.opIndex[op.Name] = i
	}
	for i := range s.Shapes {
		sh := &s.Shapes[i]
		for _, m := range sh.Members {
			if !ok(m.Target) {
				return fmt.Errorf("decode model %s: shape %s: bad member target %d", s.Name, sh.Name, m.Target)
			}
		}
		switch sh.Type {
		case TypeList:
			if !ok(sh.Elem) {
				return fmt.Errorf("decode model %s: shape %s: bad element %d", s.Name, sh.Name, sh.Elem)
			}
		case TypeMap:
			if !ok(sh.Key) || !ok(sh.Value) {
				return fmt.Errorf("decode model %s: shape %s: bad key or value", s.Name, sh.Name)
			}
		}
		sh.re = compilePattern(sh.Pattern, sh.Match)
	}
	sort.Slice(s.Errors, func(i, j int) bool { return s.Errors[i].Code < s.Errors[j].Code })
	return nil
}

// compilePattern returns the RE2 expressions for a Smithy pattern, or nil if
// it cannot be compiled.
func compilePattern(pattern string, match []string) []matcher {
	if pattern == "" {
		return nil
	}
	if len(match) == 0 {
		match = []string{pattern}
	}
	res := make([]matcher, 0, len(match))
	for _, m := range match {
		neg := strings.HasPrefix(m, "!")
		re, err := regexp.Compile(strings.TrimPrefix(m, "!"))
		if err != nil {
			return nil
		}
		res = append(res, matcher{re: re, neg: neg})
	}
	return res
}

//go:embed data
var data embed.FS

type lazy struct {
	once sync.Once
	svc  *Service
	err  error
}

// services maps a model name to its lazily decoded description. The map is
// built once at init from the embedded files and never modified afterwards.
var services = func() map[string]*lazy {
	entries, err := data.ReadDir("data")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	m := make(map[string]*lazy, len(entries))
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok {
			m[name] = &lazy{}
		}
	}
	return m
}()

// Names lists the embedded models, sorted.
func Names() []string {
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load returns the embedded model called name (e.g. "sfn"). The result is
// shared; do not modify it. Returns an error wrapping ErrUnknown if there is
// no such model.
func Load(name string) (*Service, error) {
	l, ok := services[name]
	if !ok {
		return nil, fmt.Errorf("load model %q: %w", name, ErrUnknown)
	}
	l.once.Do(func() {
		b, err := data.ReadFile("data/" + name + ".json.gz")
		if err != nil {
			l.err = fmt.Errorf("load model %q: %w", name, err)
			return
		}
		l.svc, l.err = Decode(bytes.NewReader(b))
	})
	return l.svc, l.err
}

// ErrUnknown is returned by Load for a model that is not embedded.
var ErrUnknown = errors.New("unknown service model")
