package integrations

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// readerConfig is an ItemReader's ReaderConfig, as the engine passes it.
type readerConfig struct {
	InputType      string   // JSON, JSONL, CSV, MANIFEST, PARQUET; "" for a listing
	HeaderLocation string   // CSVHeaderLocation: FIRST_ROW (default) or GIVEN
	Headers        []string // CSVHeaders, with GIVEN
	Delimiter      rune     // CSVDelimiter's character [',']
	ManifestType   string   // ATHENA_DATA or S3_INVENTORY (MANIFEST)
	Transformation string   // LOAD_AND_FLATTEN (listObjectsV2), else ""
	MaxItems       int      // 0: no limit
}

// csvDelimiters maps CSVDelimiter's values to their characters.
var csvDelimiters = map[string]rune{"COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "SPACE": ' ', "TAB": '\t'}

// parseReaderConfig reads the ReaderConfig the engine passes (see
// engine.TaskItemReader).
func parseReaderConfig(v jsonv.Value) (readerConfig, error) {
	c := readerConfig{Delimiter: ','}
	o, _ := v.(*jsonv.Object)
	if o == nil {
		return c, nil
	}
	str := func(k string) string { s, _ := getMember(o, k).(string); return s }
	c.InputType, c.HeaderLocation = str("InputType"), str("CSVHeaderLocation")
	c.ManifestType, c.Transformation = str("ManifestType"), str("Transformation")
	if d := str("CSVDelimiter"); d != "" {
		r, ok := csvDelimiters[d]
		if !ok {
			return c, fmt.Errorf("CSVDelimiter %q is not one of COMMA, PIPE, SEMICOLON, SPACE, TAB", d)
		}
		c.Delimiter = r
	}
	if list, ok := getMember(o, "CSVHeaders").([]any); ok {
		for _, h := range list {
			s, ok := h.(string)
			if !ok {
				return c, errors.New("CSVHeaders must be strings")
			}
			c.Headers = append(c.Headers, s)
		}
	}
	if n, ok := getMember(o, "MaxItems").(jsonv.Number); ok {
		if i, ok := n.Int64(); ok && i > 0 {
			c.MaxItems = int(min(i, 1<<31-1))
		}
	}
	return c, nil
}

func getMember(o *jsonv.Object, k string) jsonv.Value {
	v, _ := o.Get(k)
	return v
}

// errTooManyItems is returned by the parsers when a source holds more
// items than the limit they were given.
var errTooManyItems = errors.New("too many items")

// itemSink collects items up to MaxItems, and fails past limit.
type itemSink struct {
	items []any
	max   int // MaxItems; 0: none
	limit int // the most items accepted
}

// add appends an item; full reports that MaxItems is reached.
func (s *itemSink) add(v jsonv.Value) (full bool, err error) {
	if s.max > 0 && len(s.items) >= s.max {
		return true, nil
	}
	if len(s.items) >= s.limit {
		return false, errTooManyItems
	}
	s.items = append(s.items, v)
	return s.max > 0 && len(s.items) >= s.max, nil
}

// parseItems parses the content of an S3 object as the ItemReader's
// InputType says, adding its items to s.
func parseItems(body string, c readerConfig, s *itemSink) error {
	switch c.InputType {
	case "", "JSON":
		return parseJSONItems(body, s)
	case "JSONL":
		return parseJSONLItems(body, s)
	case "CSV":
		return parseCSVItems(body, c, s)
	}
	return fmt.Errorf("Stepflow does not read InputType %s", c.InputType)
}

// parseJSONItems reads a JSON array's elements.
func parseJSONItems(body string, s *itemSink) error {
	v, err := jsonv.ParseString(body)
	if err != nil {
		return fmt.Errorf("The object is not valid JSON: %v", err)
	}
	list, ok := v.([]any)
	if !ok {
		return errors.New("Attempting to map over non-iterable node.")
	}
	for _, e := range list {
		if full, err := s.add(e); full || err != nil {
			return err
		}
	}
	return nil
}

// parseJSONLItems reads one JSON value per line; blank lines are skipped.
func parseJSONLItems(body string, s *itemSink) error {
	line := 0
	for rest := body; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		line++
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		v, err := jsonv.ParseString(l)
		if err != nil {
			return fmt.Errorf("Line %d of the JSONL object is not valid JSON: %v", line, err)
		}
		if full, err := s.add(v); full || err != nil {
			return err
		}
	}
	return nil
}

// parseCSVItems reads CSV rows as objects of strings keyed by the headers
// (the first row, or CSVHeaders). A short row leaves the missing columns
// empty; columns beyond the headers are dropped. As on AWS (a Java HashMap)
// each object's members come in the order of the headers' Java hash
// buckets, not the order of the columns.
func parseCSVItems(body string, c readerConfig, s *itemSink) error {
	body = strings.TrimPrefix(body, "\ufeff")
	r := csv.NewReader(strings.NewReader(body))
	r.Comma = c.Delimiter
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	headers := c.Headers
	if c.HeaderLocation != "GIVEN" {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("The CSV object is not valid: %v", err)
		}
		headers = slices.Clone(row)
	}
	if len(headers) == 0 {
		return errors.New("CSV headers are missing.")
	}
	seen := make(map[string]bool, len(headers))
	for _, h := range headers {
		if seen[h] {
			return errors.New("CSV headers cannot contain duplicates.")
		}
		seen[h] = true
	}
	order := javaHashOrder(headers)
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("The CSV object is not valid: %v", err)
		}
		o := jsonv.NewObject(len(headers))
		for _, i := range order {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			o.Members = append(o.Members, jsonv.Member{Key: headers[i], Value: v})
		}
		if full, err := s.add(o); full || err != nil {
			return err
		}
	}
}

// javaHashOrder returns the indexes of keys in the order a java.util.HashMap
// (default capacity, load factor 0.75) holding them iterates: by bucket
// (String.hashCode spread and masked by the table size), then by insertion.
func javaHashOrder(keys []string) []int {
	size := 16
	for float64(len(keys)) > float64(size)*0.75 {
		size *= 2
	}
	type slot struct{ bucket, index int }
	slots := make([]slot, len(keys))
	for i, k := range keys {
		h := javaStringHash(k)
		h ^= h >> 16
		slots[i] = slot{int(h & uint32(size-1)), i}
	}
	slices.SortStableFunc(slots, func(a, b slot) int { return a.bucket - b.bucket })
	out := make([]int, len(keys))
	for i, s := range slots {
		out[i] = s.index
	}
	return out
}

// javaStringHash is Java's String.hashCode: over UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = h*31 + uint32(hi)
			h = h*31 + uint32(lo)
			continue
		}
		h = h*31 + uint32(r)
	}
	return h
}

// encodeResults writes a result file's entries: a JSON array, or one JSON
// value per line (JSONL).
func encodeResults(entries []any, outputType string) []byte {
	var b bytes.Buffer
	if outputType == "JSONL" {
		for _, e := range entries {
			b.Write(jsonv.Append(nil, e))
			b.WriteByte('\n')
		}
		return b.Bytes()
	}
	return jsonv.Append(nil, entries)
}
