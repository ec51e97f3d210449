// Command shapegen builds the table of AWS API output shapes that TestState
// checks mocked results against. It reads the Smithy JSON models in a
// directory (by default ../../shared/aws-models relative to the module
// root), follows each operation's output shape and writes the shapes the
// outputs reach, with the constraints the check uses (types, members,
// required members, enum values, length and range limits), as gzipped
// JSON. KMS, which the models directory lacks, comes from a small model
// written here.
//
// Usage (from internal/teststate): go generate
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// table is the generated file's content; package teststate reads it.
type table struct {
	// Operations maps "<service>:<operation>" (both lower case, the service
	// as Step Functions' aws-sdk integrations name it) to the operation's
	// output shape.
	Operations map[string]string    `json:"operations"`
	Shapes     map[string]*shapeDef `json:"shapes"`
}

type shapeDef struct {
	Type    string      `json:"t"`
	Members []memberDef `json:"m,omitempty"`
	Enum    []string    `json:"e,omitempty"`
	Item    string      `json:"i,omitempty"` // list member or map value
	LenMin  *float64    `json:"lmin,omitempty"`
	LenMax  *float64    `json:"lmax,omitempty"`
	Min     *float64    `json:"min,omitempty"`
	Max     *float64    `json:"max,omitempty"`
}

type memberDef struct {
	Name     string `json:"n"`
	Shape    string `json:"s"`
	Required bool   `json:"r,omitempty"`
	Payload  bool   `json:"p,omitempty"` // the HTTP payload
}

type model struct {
	Shapes map[string]*smithyShape `json:"shapes"`
}

type smithyShape struct {
	Type    string                     `json:"type"`
	Members map[string]json.RawMessage `json:"members"`
	Member  *smithyMember              `json:"member"`
	Value   *smithyMember              `json:"value"`
	Output  *smithyMember              `json:"output"`
	Traits  map[string]json.RawMessage `json:"traits"`

	order []string // member names in written order
}

type smithyMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

func main() {
	models := flag.String("models", "../../../shared/aws-models", "directory of Smithy JSON models")
	out := flag.String("out", "shapes.json.gz", "output file")
	flag.Parse()
	if err := run(*models, *out); err != nil {
		fmt.Fprintln(os.Stderr, "shapegen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	t := &table{Operations: map[string]string{}, Shapes: map[string]*shapeDef{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := t.add(data); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if err := t.add([]byte(kmsModel)); err != nil {
		return fmt.Errorf("kms: %w", err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(t); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

func (t *table) add(data []byte) error {
	m, err := parseModel(data)
	if err != nil {
		return err
	}
	service := ""
	for _, s := range m.Shapes {
		if s.Type == "service" {
			var svc struct {
				SdkID string `json:"sdkId"`
			}
			_ = json.Unmarshal(s.Traits["aws.api#service"], &svc)
			service = strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(svc.SdkID))
		}
	}
	if service == "" {
		return fmt.Errorf("no service shape")
	}
	ids := make([]string, 0, len(m.Shapes))
	for id := range m.Shapes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := m.Shapes[id]
		if s.Type != "operation" || s.Output == nil || s.Output.Target == "smithy.api#Unit" {
			continue
		}
		op := id[strings.IndexByte(id, '#')+1:]
		t.Operations[service+":"+strings.ToLower(op)] = t.shape(m, s.Output.Target)
	}
	return nil
}

// shortID drops the namespace prefix common to every AWS shape.
func shortID(id string) string { return strings.TrimPrefix(id, "com.amazonaws.") }

var prelude = map[string]string{
	"String": "string", "Boolean": "boolean", "PrimitiveBoolean": "boolean",
	"Integer": "integer", "PrimitiveInteger": "integer", "Long": "long", "PrimitiveLong": "long",
	"Short": "integer", "PrimitiveShort": "integer", "Byte": "integer", "PrimitiveByte": "integer",
	"Float": "double", "PrimitiveFloat": "double", "Double": "double", "PrimitiveDouble": "double",
	"BigInteger": "long", "BigDecimal": "double", "Timestamp": "timestamp", "Blob": "blob",
	"Document": "document",
}

// shape adds the shape id and everything it reaches; it returns its id in
// the table.
func (t *table) shape(m model, id string) string {
	if name, ok := strings.CutPrefix(id, "smithy.api#"); ok {
		typ := prelude[name]
		if typ == "" {
			typ = "document"
		}
		key := "smithy#" + name
		t.Shapes[key] = &shapeDef{Type: typ}
		return key
	}
	key := shortID(id)
	if _, done := t.Shapes[key]; done {
		return key
	}
	s := m.Shapes[id]
	if s == nil {
		t.Shapes[key] = &shapeDef{Type: "document"}
		return key
	}
	d := &shapeDef{Type: s.Type}
	t.Shapes[key] = d
	constraints(d, s.Traits)
	switch s.Type {
	case "structure", "union":
		for _, name := range s.order {
			var mem smithyMember
			_ = json.Unmarshal(s.Members[name], &mem)
			target := t.shape(m, mem.Target)
			if hasConstraints(mem.Traits) {
				base := *t.Shapes[target]
				constraints(&base, mem.Traits)
				target = target + "@" + key + "$" + name
				t.Shapes[target] = &base
			}
			_, req := mem.Traits["smithy.api#required"]
			_, payload := mem.Traits["smithy.api#httpPayload"]
			d.Members = append(d.Members, memberDef{Name: name, Shape: target, Required: req, Payload: payload})
		}
	case "list", "set":
		d.Type = "list"
		d.Item = t.shape(m, s.Member.Target)
	case "map":
		d.Item = t.shape(m, s.Value.Target)
	case "enum":
		d.Type = "string"
		for _, name := range s.order {
			var mem smithyMember
			_ = json.Unmarshal(s.Members[name], &mem)
			v := name
			if raw, ok := mem.Traits["smithy.api#enumValue"]; ok {
				_ = json.Unmarshal(raw, &v)
			}
			d.Enum = append(d.Enum, v)
		}
	case "intEnum":
		d.Type = "integer"
	case "short", "byte":
		d.Type = "integer"
	case "float", "bigDecimal":
		d.Type = "double"
	case "bigInteger":
		d.Type = "long"
	}
	if raw, ok := s.Traits["smithy.api#enum"]; ok {
		var vals []struct {
			Value string `json:"value"`
		}
		_ = json.Unmarshal(raw, &vals)
		for _, v := range vals {
			d.Enum = append(d.Enum, v.Value)
		}
	}
	return key
}

func hasConstraints(traits map[string]json.RawMessage) bool {
	_, l := traits["smithy.api#length"]
	_, r := traits["smithy.api#range"]
	return l || r
}

func constraints(d *shapeDef, traits map[string]json.RawMessage) {
	var lim struct {
		Min *float64 `json:"min"`
		Max *float64 `json:"max"`
	}
	if raw, ok := traits["smithy.api#length"]; ok && json.Unmarshal(raw, &lim) == nil {
		d.LenMin, d.LenMax = lim.Min, lim.Max
	}
	lim.Min, lim.Max = nil, nil
	if raw, ok := traits["smithy.api#range"]; ok && json.Unmarshal(raw, &lim) == nil {
		d.Min, d.Max = lim.Min, lim.Max
	}
}

// parseModel decodes a Smithy JSON model, keeping each shape's members in
// the order the file writes them (encoding/json maps lose it).
func parseModel(data []byte) (model, error) {
	var top struct {
		Shapes json.RawMessage `json:"shapes"`
	}
	m := model{Shapes: map[string]*smithyShape{}}
	if err := json.Unmarshal(data, &top); err != nil {
		return m, err
	}
	dec := json.NewDecoder(bytes.NewReader(top.Shapes))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return m, fmt.Errorf("shapes is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return m, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return m, err
		}
		s := &smithyShape{}
		if err := json.Unmarshal(raw, s); err != nil {
			return m, err
		}
		s.order = memberOrder(raw)
		m.Shapes[tok.(string)] = s
	}
	return m, nil
}

// memberOrder returns the keys of a shape's "members" object in order.
func memberOrder(raw json.RawMessage) []string {
	var fields struct {
		Members json.RawMessage `json:"members"`
	}
	if json.Unmarshal(raw, &fields) != nil || len(fields.Members) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(fields.Members))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return names
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return names
		}
	}
	return names
}

// kmsModel is the part of the AWS KMS model (2014-11-01) that TestState
// mocks of kms:encrypt and kms:decrypt are checked against; the models
// directory has no KMS.
const kmsModel = `{"shapes": {
 "com.amazonaws.kms#TrentService": {"type": "service", "traits": {"aws.api#service": {"sdkId": "KMS"}}},
 "com.amazonaws.kms#Encrypt": {"type": "operation", "output": {"target": "com.amazonaws.kms#EncryptResponse"}},
 "com.amazonaws.kms#Decrypt": {"type": "operation", "output": {"target": "com.amazonaws.kms#DecryptResponse"}},
 "com.amazonaws.kms#EncryptResponse": {"type": "structure", "members": {
  "CiphertextBlob": {"target": "com.amazonaws.kms#CiphertextType"},
  "KeyId": {"target": "com.amazonaws.kms#KeyIdType"},
  "EncryptionAlgorithm": {"target": "com.amazonaws.kms#EncryptionAlgorithmSpec"}}},
 "com.amazonaws.kms#DecryptResponse": {"type": "structure", "members": {
  "KeyId": {"target": "com.amazonaws.kms#KeyIdType"},
  "Plaintext": {"target": "com.amazonaws.kms#PlaintextType"},
  "EncryptionAlgorithm": {"target": "com.amazonaws.kms#EncryptionAlgorithmSpec"},
  "CiphertextForRecipient": {"target": "com.amazonaws.kms#CiphertextType"},
  "KeyMaterialId": {"target": "com.amazonaws.kms#BackingKeyIdType"}}},
 "com.amazonaws.kms#CiphertextType": {"type": "blob", "traits": {"smithy.api#length": {"min": 1, "max": 6144}}},
 "com.amazonaws.kms#PlaintextType": {"type": "blob", "traits": {"smithy.api#length": {"min": 1, "max": 4096}}},
 "com.amazonaws.kms#KeyIdType": {"type": "string", "traits": {"smithy.api#length": {"min": 1, "max": 2048}}},
 "com.amazonaws.kms#BackingKeyIdType": {"type": "string", "traits": {"smithy.api#length": {"min": 64, "max": 64}}},
 "com.amazonaws.kms#EncryptionAlgorithmSpec": {"type": "enum", "members": {
  "SYMMETRIC_DEFAULT": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "SYMMETRIC_DEFAULT"}},
  "RSAES_OAEP_SHA_1": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "RSAES_OAEP_SHA_1"}},
  "RSAES_OAEP_SHA_256": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "RSAES_OAEP_SHA_256"}},
  "SM2PKE": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "SM2PKE"}}}}
}}`
