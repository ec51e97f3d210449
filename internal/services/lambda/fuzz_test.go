package lambda

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseFunctionName: no name may panic, and a parsed name has no
// colon.
func FuzzParseFunctionName(f *testing.F) {
	for _, s := range []string{"f", "f:1", "f:$LATEST", "111111111111:function:f", "function:f:alias",
		"arn:aws:lambda:us-east-1:111111111111:function:f:prod", "us-east-1:111111111111:function:f", "arn:", "::", ":"} {
		f.Add(s, "")
		f.Add(s, "2")
	}
	f.Fuzz(func(t *testing.T, raw, qualifier string) {
		ref, err := parseFunctionName(raw, qualifier)
		if err != nil {
			return
		}
		if strings.Contains(ref.name, ":") || strings.Contains(ref.qualifier, ":") && qualifier == "" {
			t.Fatalf("%q → %+v", raw, ref)
		}
	})
}

// FuzzBatchItemFailures: any function response is either accepted with
// known message IDs or rejected.
func FuzzBatchItemFailures(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `{"batchItemFailures":[]}`, `{"batchItemFailures":null}`,
		`{"batchItemFailures":[{"itemIdentifier":"a"}]}`, `{"batchItemFailures":[{"itemIdentifier":""}]}`,
		`{"batchItemFailures":[{"itemIdentifier":"zz"}]}`, `"ok"`, `[1]`, `{"batchItemFailures":[{}]}`} {
		f.Add([]byte(s))
	}
	msgs := []sqsMessage{{MessageID: "a"}, {MessageID: "b"}}
	f.Fuzz(func(t *testing.T, payload []byte) {
		failed, ok := batchItemFailures(payload, msgs)
		if !ok {
			return
		}
		for id := range failed {
			if id != "a" && id != "b" {
				t.Fatalf("unknown id %q accepted from %s", id, payload)
			}
		}
	})
}

// FuzzLogScan: the log reader cuts any byte stream, in any chunking, at
// exactly the markers, and loses nothing else.
func FuzzLogScan(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), uint8(3), uint8(5))
	f.Add([]byte("\x00\x00partial"), uint8(1), uint8(0))
	f.Add([]byte{}, uint8(7), uint8(2))
	f.Fuzz(func(t *testing.T, output []byte, chunk, at uint8) {
		sb := &sandbox{}
		copy(sb.token[:], "\x11token!")
		inv := &invocation{logDone: make(chan struct{})}
		sb.mu.Lock()
		begin := sb.markerLocked(inv, false)
		end := sb.markerLocked(inv, true)
		sb.mu.Unlock()
		cut := int(at) % (len(output) + 1)
		var stream []byte
		stream = append(stream, output[:cut]...)
		stream = append(stream, begin...)
		stream = append(stream, output[cut:]...)
		stream = append(stream, end...)
		stream = append(stream, "after"...)
		prefix := make([]byte, 10)
		copy(prefix[1:9], sb.token[:])
		step := int(chunk)%16 + 1
		var pending []byte
		for i := 0; i < len(stream); i += step {
			pending = append(pending, stream[i:min(i+step, len(stream))]...)
			pending = sb.scan(pending, prefix)
		}
		sb.mu.Lock()
		sb.appendLocked(pending)
		rest := string(sb.logBuf)
		sb.mu.Unlock()
		select {
		case <-inv.logDone:
		default:
			t.Fatal("end marker not seen")
		}
		if !bytes.Equal(inv.pre, output[:cut]) || !bytes.Equal(inv.body, output[cut:]) || rest != "after" {
			t.Fatalf("pre %q body %q rest %q from %q cut %d", inv.pre, inv.body, rest, output, cut)
		}
	})
}

// FuzzCodePut: any upload is refused with an API error or unpacked inside
// its folder, never outside it.
func FuzzCodePut(f *testing.F) {
	f.Add("bootstrap", "#!/bin/sh\n", "../evil", "x")
	f.Add("a/b/c", "", "/abs", "y")
	f.Add("dir/", "", `..\\win`, "z")
	f.Add("bootstrap", "x", "bootstrap", "dup")
	f.Fuzz(func(t *testing.T, name1, body1, name2, body2 string) {
		root := t.TempDir()
		c := &codeStore{root: filepath.Join(root, "store")}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range [][2]string{{name1, body1}, {name2, body2}} {
			w, err := zw.Create(e[0])
			if err != nil {
				return
			}
			_, _ = w.Write([]byte(e[1]))
		}
		_ = zw.Close()
		info, err := c.put(buf.Bytes())
		if err != nil {
			return
		}
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if !strings.HasPrefix(p, c.dir(info.hexSum)) && !strings.HasPrefix(p, filepath.Join(c.root, "zips")) {
				t.Fatalf("%s written outside the package folder (entries %q, %q)", p, name1, name2)
			}
			return nil
		})
		// Garbage bytes are refused.
		if _, err := c.put([]byte(body1)); err == nil && !strings.HasPrefix(body1, "PK") {
			t.Fatalf("non-zip accepted: %q", body1)
		}
	})
}
