// Command smithygen turns official AWS Smithy JSON models into the compact
// descriptions embedded by package model: every operation's input shape
// (members, required members, types, length/range/pattern/enum constraints,
// REST bindings) and the service's error shapes with their HTTP status.
//
// Usage (run by go generate in package awsproto):
//
//	go run ./smithygen -models /work/shared/aws-models -out model/data sfn [sqs ...]
//
// Each argument names a model file by its prefix: "sfn" reads
// sfn-2016-11-23.json and writes sfn.json.gz. Patterns that RE2 cannot
// express are reported on stderr and are not enforced at run time.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto/model"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "smithygen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("smithygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	models := fs.String("models", "/work/shared/aws-models", "directory of Smithy JSON models")
	out := fs.String("out", "model/data", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: smithygen [-models dir] [-out dir] service...")
	}
	for _, name := range fs.Args() {
		path, err := findModel(*models, name)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read model: %w", err)
		}
		svc, warnings, err := Convert(name, raw)
		if err != nil {
			return fmt.Errorf("convert %s: %w", path, err)
		}
		for _, w := range warnings {
			fmt.Fprintf(stderr, "smithygen: %s: %s\n", name, w)
		}
		var buf bytes.Buffer
		if err := model.Encode(&buf, svc); err != nil {
			return err
		}
		dst := filepath.Join(*out, name+".json.gz")
		if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write model: %w", err)
		}
	}
	return nil
}

// modelFile matches "<name>-YYYY-MM-DD.json".
var modelFile = regexp.MustCompile(`^(.+)-\d{4}-\d{2}-\d{2}\.json$`)

func findModel(dir, name string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("find model %s: %w", name, err)
	}
	for _, e := range entries {
		if m := modelFile.FindStringSubmatch(e.Name()); m != nil && m[1] == name {
			return filepath.Join(dir, e.Name()), nil
		}
	}
	return "", fmt.Errorf("find model %s: no %s-<date>.json in %s", name, name, dir)
}

type smithyModel struct {
	Shapes map[string]*smithyShape `json:"shapes"`
}

type smithyRef struct {
	Target string `json:"target"`
}

type smithyMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type smithyShape struct {
	Type                 string                     `json:"type"`
	Version              string                     `json:"version"`
	Members              orderedMembers             `json:"members"`
	Member               *smithyMember              `json:"member"`
	Key                  *smithyMember              `json:"key"`
	Value                *smithyMember              `json:"value"`
	Input                *smithyRef                 `json:"input"`
	Errors               []smithyRef                `json:"errors"`
	Operations           []smithyRef                `json:"operations"`
	CollectionOperations []smithyRef                `json:"collectionOperations"`
	Resources            []smithyRef                `json:"resources"`
	Create               *smithyRef                 `json:"create"`
	Put                  *smithyRef                 `json:"put"`
	Read                 *smithyRef                 `json:"read"`
	Update               *smithyRef                 `json:"update"`
	Delete               *smithyRef                 `json:"delete"`
	List                 *smithyRef                 `json:"list"`
	Traits               map[string]json.RawMessage `json:"traits"`
}

// orderedMembers keeps the members of a structure in model order.
type orderedMembers []namedMember

type namedMember struct {
	Name string
	smithyMember
}

func (o *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("members: want object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var m smithyMember
		if err := dec.Decode(&m); err != nil {
			return err
		}
		*o = append(*o, namedMember{Name: name, smithyMember: m})
	}
	_, err = dec.Token()
	return err
}

type converter struct {
	shapes   map[string]*smithyShape
	protocol string
	out      *model.Service
	index    map[string]int // shape id (or synthetic key) → index
	warnings []string
	warned   map[string]bool
}

// Convert builds the compact description of one Smithy JSON model.
func Convert(name string, raw []byte) (*model.Service, []string, error) {
	var m smithyModel
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("parse smithy json: %w", err)
	}
	var svcID string
	for id, sh := range m.Shapes {
		if sh.Type == "service" {
			if svcID != "" {
				return nil, nil, fmt.Errorf("two services: %s and %s", svcID, id)
			}
			svcID = id
		}
	}
	if svcID == "" {
		return nil, nil, errors.New("no service shape")
	}
	svc := m.Shapes[svcID]
	ns, local, _ := strings.Cut(svcID, "#")
	out := &model.Service{
		Name:      name,
		ID:        svcID,
		Version:   svc.Version,
		Namespace: ns,
	}
	for _, p := range []string{model.AWSJSON10, model.AWSJSON11, model.AWSQuery, model.RESTJSON1, model.RESTXML} {
		if _, ok := svc.Traits["aws.protocols#"+p]; ok {
			out.Protocol = p
			break
		}
	}
	if out.Protocol == "" {
		return nil, nil, errors.New("no supported protocol trait")
	}
	if _, ok := svc.Traits["aws.protocols#awsQueryCompatible"]; ok {
		out.QueryCompatible = true
	}
	if out.Protocol == model.AWSJSON10 || out.Protocol == model.AWSJSON11 {
		out.TargetPrefix = local
	}
	var sigv4 struct {
		Name string `json:"name"`
	}
	unmarshalTrait(svc.Traits, "aws.auth#sigv4", &sigv4)
	out.SigningName = sigv4.Name
	var apiSvc struct {
		EndpointPrefix string `json:"endpointPrefix"`
	}
	unmarshalTrait(svc.Traits, "aws.api#service", &apiSvc)
	out.EndpointPrefix = apiSvc.EndpointPrefix

	c := &converter{shapes: m.Shapes, protocol: out.Protocol, out: out, index: map[string]int{}, warned: map[string]bool{}}

	ops := map[string]bool{}
	c.collectOps(svc, ops, map[string]bool{})
	opIDs := make([]string, 0, len(ops))
	for id := range ops {
		opIDs = append(opIDs, id)
	}
	sort.Slice(opIDs, func(i, j int) bool { return localName(opIDs[i]) < localName(opIDs[j]) })
	for _, id := range opIDs {
		sh := m.Shapes[id]
		if sh == nil {
			return nil, nil, fmt.Errorf("operation %s not defined", id)
		}
		op := model.Operation{Name: localName(id), Input: -1}
		if sh.Input != nil && sh.Input.Target != "smithy.api#Unit" {
			idx, err := c.shape(sh.Input.Target, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("operation %s: %w", op.Name, err)
			}
			op.Input = idx
		}
		for _, e := range append(append([]smithyRef(nil), sh.Errors...), svc.Errors...) {
			op.Errors = append(op.Errors, localName(e.Target))
		}
		sort.Strings(op.Errors)
		op.Errors = dedupe(op.Errors)
		var h model.HTTP
		if unmarshalTrait(sh.Traits, "smithy.api#http", &h) {
			op.HTTP = &h
		}
		out.Operations = append(out.Operations, op)
	}

	for id, sh := range m.Shapes {
		var fault string
		if !unmarshalTrait(sh.Traits, "smithy.api#error", &fault) {
			continue
		}
		e := model.Error{Code: localName(id), Sender: fault == "client"}
		var status int
		var qe struct {
			Code             string `json:"code"`
			HTTPResponseCode int    `json:"httpResponseCode"`
		}
		hasQE := unmarshalTrait(sh.Traits, "aws.protocols#awsQueryError", &qe)
		switch {
		case unmarshalTrait(sh.Traits, "smithy.api#httpError", &status):
			e.Status = status
		case hasQE && qe.HTTPResponseCode != 0:
			e.Status = qe.HTTPResponseCode
		case e.Sender:
			e.Status = 400
		default:
			e.Status = 500
		}
		if hasQE && qe.Code != e.Code {
			e.QueryCode = qe.Code
		}
		out.Errors = append(out.Errors, e)
	}
	sort.Slice(out.Errors, func(i, j int) bool { return out.Errors[i].Code < out.Errors[j].Code })
	return out, c.warnings, nil
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// collectOps gathers the operations bound to a service or resource.
func (c *converter) collectOps(sh *smithyShape, ops, seen map[string]bool) {
	add := func(refs ...*smithyRef) {
		for _, r := range refs {
			if r != nil {
				ops[r.Target] = true
			}
		}
	}
	for i := range sh.Operations {
		add(&sh.Operations[i])
	}
	for i := range sh.CollectionOperations {
		add(&sh.CollectionOperations[i])
	}
	add(sh.Create, sh.Put, sh.Read, sh.Update, sh.Delete, sh.List)
	for _, r := range sh.Resources {
		if seen[r.Target] {
			continue
		}
		seen[r.Target] = true
		if res := c.shapes[r.Target]; res != nil {
			c.collectOps(res, ops, seen)
		}
	}
}

func localName(id string) string {
	if _, after, ok := strings.Cut(id, "#"); ok {
		return after
	}
	return id
}

func unmarshalTrait(traits map[string]json.RawMessage, name string, v any) bool {
	raw, ok := traits[name]
	if !ok {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// constraintTraits are the traits a member may carry that change its
// target's constraints.
var constraintTraits = []string{"smithy.api#length", "smithy.api#range", "smithy.api#pattern", "smithy.api#enum"}

// preludeTypes maps smithy.api prelude shapes to their type.
var preludeTypes = map[string]string{
	"String": model.TypeString, "Blob": model.TypeBlob, "BigInteger": model.TypeBigInteger,
	"BigDecimal": model.TypeBigDecimal, "Timestamp": model.TypeTimestamp, "Document": model.TypeDocument,
	"Boolean": model.TypeBoolean, "PrimitiveBoolean": model.TypeBoolean, "Byte": model.TypeByte,
	"PrimitiveByte": model.TypeByte, "Short": model.TypeShort, "PrimitiveShort": model.TypeShort,
	"Integer": model.TypeInteger, "PrimitiveInteger": model.TypeInteger, "Long": model.TypeLong,
	"PrimitiveLong": model.TypeLong, "Float": model.TypeFloat, "PrimitiveFloat": model.TypeFloat,
	"Double": model.TypeDouble, "PrimitiveDouble": model.TypeDouble, "Unit": model.TypeStructure,
}

// shape returns the index of the converted shape id, with memberTraits'
// constraint traits (if any) overriding the target's.
func (c *converter) shape(id string, memberTraits map[string]json.RawMessage) (int, error) {
	key := id
	var override map[string]json.RawMessage
	for _, t := range constraintTraits {
		if raw, ok := memberTraits[t]; ok {
			if override == nil {
				override = map[string]json.RawMessage{}
			}
			override[t] = raw
			key += "|" + t + "=" + string(raw)
		}
	}
	if i, ok := c.index[key]; ok {
		return i, nil
	}
	var sh *smithyShape
	if strings.HasPrefix(id, "smithy.api#") {
		typ, ok := preludeTypes[localName(id)]
		if !ok {
			return 0, fmt.Errorf("unknown prelude shape %s", id)
		}
		sh = &smithyShape{Type: typ}
	} else {
		sh = c.shapes[id]
		if sh == nil {
			return 0, fmt.Errorf("shape %s not defined", id)
		}
	}
	traits := sh.Traits
	if override != nil {
		traits = make(map[string]json.RawMessage, len(sh.Traits)+len(override))
		for k, v := range sh.Traits {
			traits[k] = v
		}
		for k, v := range override {
			traits[k] = v
		}
	}
	idx := len(c.out.Shapes)
	c.index[key] = idx
	c.out.Shapes = append(c.out.Shapes, model.Shape{Name: localName(id), Type: sh.Type})
	out := model.Shape{Name: localName(id), Type: sh.Type}
	if _, ok := traits["smithy.api#sensitive"]; ok {
		out.Sensitive = true
	}
	var err error
	switch sh.Type {
	case "structure", "union":
		for _, m := range sh.Members {
			mem := model.Member{Name: m.Name}
			if mem.Target, err = c.shape(m.Target, m.Traits); err != nil {
				return 0, fmt.Errorf("%s.%s: %w", localName(id), m.Name, err)
			}
			if _, ok := m.Traits["smithy.api#required"]; ok {
				mem.Required = true
			}
			if c.protocol == model.RESTJSON1 {
				unmarshalTrait(m.Traits, "smithy.api#jsonName", &mem.JSONName)
			}
			setLocation(&mem, m.Traits)
			out.Members = append(out.Members, mem)
		}
	case "list", "set":
		out.Type = model.TypeList
		if sh.Member == nil {
			return 0, fmt.Errorf("list %s without member", id)
		}
		if out.Elem, err = c.shape(sh.Member.Target, sh.Member.Traits); err != nil {
			return 0, err
		}
	case "map":
		if sh.Key == nil || sh.Value == nil {
			return 0, fmt.Errorf("map %s without key or value", id)
		}
		if out.Key, err = c.shape(sh.Key.Target, sh.Key.Traits); err != nil {
			return 0, err
		}
		if out.Value, err = c.shape(sh.Value.Target, sh.Value.Traits); err != nil {
			return 0, err
		}
	case "enum":
		for _, m := range sh.Members {
			v := m.Name
			unmarshalTrait(m.Traits, "smithy.api#enumValue", &v)
			out.Enum = append(out.Enum, v)
		}
	case "intEnum":
		out.Type = model.TypeInteger
	case "string", "blob", "boolean", "byte", "short", "integer", "long", "float", "double",
		"bigInteger", "bigDecimal", "timestamp", "document":
	default:
		return 0, fmt.Errorf("shape %s: unsupported type %q", id, sh.Type)
	}
	var legacyEnum []struct {
		Value string `json:"value"`
	}
	if unmarshalTrait(traits, "smithy.api#enum", &legacyEnum) {
		for _, e := range legacyEnum {
			out.Enum = append(out.Enum, e.Value)
		}
	}
	var b model.Bounds
	if unmarshalTrait(traits, "smithy.api#length", &b) && (b.Min != nil || b.Max != nil) {
		out.Length = &model.Bounds{Min: b.Min, Max: b.Max}
	}
	b = model.Bounds{}
	if unmarshalTrait(traits, "smithy.api#range", &b) && (b.Min != nil || b.Max != nil) {
		out.Range = &model.Bounds{Min: b.Min, Max: b.Max}
	}
	if unmarshalTrait(traits, "smithy.api#pattern", &out.Pattern) {
		match, ok := TranslatePattern(out.Pattern)
		switch {
		case !ok:
			if !c.warned[out.Pattern] {
				c.warned[out.Pattern] = true
				c.warnings = append(c.warnings, fmt.Sprintf("pattern of %s not expressible in RE2, not enforced: %s", localName(id), out.Pattern))
			}
		case len(match) != 1 || match[0] != out.Pattern:
			out.Match = match
		}
	}
	c.out.Shapes[idx] = out
	return idx, nil
}

func setLocation(mem *model.Member, traits map[string]json.RawMessage) {
	var name string
	switch {
	case has(traits, "smithy.api#httpLabel"):
		mem.Location = "label"
	case unmarshalTrait(traits, "smithy.api#httpQuery", &name):
		mem.Location, mem.LocationName = "query", name
	case has(traits, "smithy.api#httpQueryParams"):
		mem.Location = "queryParams"
	case unmarshalTrait(traits, "smithy.api#httpHeader", &name):
		mem.Location, mem.LocationName = "header", name
	case unmarshalTrait(traits, "smithy.api#httpPrefixHeaders", &name):
		mem.Location, mem.LocationName = "prefixHeaders", name
	case has(traits, "smithy.api#httpPayload"):
		mem.Location = "payload"
	case has(traits, "smithy.api#httpResponseCode"):
		mem.Location = "statusCode"
	}
}

func has(traits map[string]json.RawMessage, name string) bool {
	_, ok := traits[name]
	return ok
}
