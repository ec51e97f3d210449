package dynamodb

import (
	"bytes"
	"context"
	"hash/crc32"
	"net/http"
	"strconv"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// NewHTTPHandler returns the awsJson1_0 endpoint of the service: POST /
// with X-Amz-Target "DynamoDB_20120810.<Action>", bodies validated against
// the DynamoDB model, signed for "dynamodb". auth, when set,
// authenticates every request.
//
// It wraps awsproto's JSONHandler to add the members some DynamoDB errors
// carry besides __type and message: ConditionalCheckFailedException's Item
// and TransactionCanceledException's CancellationReasons (whose message
// member AWS spells "Message").
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) (http.Handler, error) {
	jh, err := awsproto.NewJSONHandler(awsproto.JSONConfig{Service: "dynamodb", Handle: s.Handle, Authenticate: auth})
	if err != nil {
		return nil, err
	}
	return &httpHandler{json: jh}, nil
}

type httpHandler struct {
	json *awsproto.JSONHandler
}

// slotKey keys the errorSlot of a request in its context.
type slotKey struct{}

// errorSlot receives the extra error members Handle produced.
type errorSlot struct {
	members []byte
	capital bool
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	slot := &errorSlot{}
	r = r.WithContext(context.WithValue(r.Context(), slotKey{}, slot))
	sw := &spliceWriter{ResponseWriter: w, slot: slot}
	h.json.ServeHTTP(sw, r)
	sw.finish()
}

// spliceWriter buffers a response to send it with DynamoDB's X-Amz-Crc32
// header (the CRC-32 of the body, which the AWS SDKs check), and adds the
// members an error response's slot holds before its closing brace.
type spliceWriter struct {
	http.ResponseWriter
	slot      *errorSlot
	buffering bool
	status    int
	buf       bytes.Buffer
}

func (w *spliceWriter) WriteHeader(code int) {
	w.buffering, w.status = true, code
}

func (w *spliceWriter) Write(b []byte) (int, error) {
	if w.buffering {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *spliceWriter) finish() {
	if !w.buffering {
		return
	}
	body := w.buf.Bytes()
	if w.status != http.StatusOK && w.slot.members != nil {
		body = w.splice(body)
	}
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}

// splice adds the slot's members to an error body.
func (w *spliceWriter) splice(body []byte) []byte {
	if w.slot.capital {
		body = bytes.Replace(body, []byte(`,"message":`), []byte(`,"Message":`), 1)
	}
	if n := len(body); n > 0 && body[n-1] == '}' {
		out := make([]byte, 0, n+len(w.slot.members)+1)
		out = append(out, body[:n-1]...)
		out = append(out, ',')
		out = append(out, w.slot.members...)
		body = append(out, '}')
	}
	return body
}
