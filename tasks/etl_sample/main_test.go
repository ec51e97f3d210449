package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stepflow/stepflow/tasks/shared/etl"
)

// readRows reads a file as the Distributed Map's ItemReader would: CSV
// rows as objects of strings keyed by the header, JSON Lines as they are.
func readRows(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []json.RawMessage
	if filepath.Ext(path) == ".csv" {
		records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := records[0]
		for _, rec := range records[1:] {
			m := map[string]string{}
			for i, h := range header {
				m[h] = rec[i]
			}
			raw, _ := json.Marshal(m)
			rows = append(rows, raw)
		}
		return rows
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Fatalf("%s: invalid JSON line %s", path, sc.Bytes())
		}
		rows = append(rows, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	return rows
}

// TestExpectation runs the sample through the ETL's rules and compares
// with what the generator says.
func TestExpectation(t *testing.T) {
	t.Parallel()
	for _, date := range []string{"2026-11-29", "2027-02-28"} {
		t.Run(date, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			exp, err := Generate(date, dir)
			if err != nil {
				t.Fatal(err)
			}
			all := etl.NewResult()
			for _, f := range exp.Files {
				r := etl.NewResult()
				for _, row := range readRows(t, filepath.Join(dir, f.Name)) {
					r.Add(row, date)
				}
				if r.RowsIn != f.Rows || r.RowsOK != f.Valid || len(r.Rejected) != f.Malformed {
					t.Errorf("%s: ETL read %d rows, %d valid, %d rejected; the generator says %+v", f.Name, r.RowsIn, r.RowsOK, len(r.Rejected), f)
				}
				all.Merge(r)
			}
			if !reflect.DeepEqual(all.Totals, exp.Totals) || all.Revenue() != exp.Revenue {
				t.Errorf("totals %v (revenue %s), the generator says %v (%s)", all.Totals, all.Revenue(), exp.Totals, exp.Revenue)
			}
			if exp.RowsIn != 250 || exp.RowsRejected != 38 || exp.RowsLoaded != 212 {
				t.Errorf("counts %+v", exp)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	read := func(date string) map[string]string {
		dir := t.TempDir()
		if _, err := Generate(date, dir); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			files[e.Name()] = string(b)
		}
		return files
	}
	a, b := read("2026-11-29"), read("2026-11-29")
	if !reflect.DeepEqual(a, b) {
		t.Error("the same date gave different files")
	}
	c := read("2026-11-30")
	if c["orders.csv"] == a["orders.csv"] {
		t.Error("two dates gave the same rows")
	}
	if _, err := Generate("29/11/2026", t.TempDir()); err == nil {
		t.Error("accepted a bad date")
	}
}
