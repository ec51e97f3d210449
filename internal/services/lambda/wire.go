package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// PathPrefixes are the path prefixes the Lambda API uses; register each
// with awsproto.Router.HandlePath. (Lambda added operations over the
// years under new date prefixes: concurrency under /2017-10-31 and
// /2019-09-30, code signing under /2020-06-30, account settings under
// /2016-08-19.)
var PathPrefixes = []string{"/2015-03-31", "/2016-08-19", "/2017-03-31", "/2017-10-31", "/2019-09-30", "/2020-06-30"}

// codeDownloadPrefix is where GetFunction's Code.Location points: the
// package, by its SHA-256, served without authentication as AWS's
// presigned S3 URL is.
const codeDownloadPrefix = "/2015-03-31/stepflow-code/"

// Body limits.
const (
	maxCodeRequestBytes = 70 << 20 // a base64 zip of up to 50 MB in JSON
	maxAPIRequestBytes  = 1 << 20
)

// NewHTTPHandler returns the restJson1 endpoint of the service (the paths
// under PathPrefixes). auth, when set, authenticates every API request
// (not the code downloads of GetFunction's Code.Location).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h := &httpHandler{s: s}
	api, err := restjson.New(restjson.Config{
		Service:            "lambda",
		Operations:         Actions(),
		Handle:             s.handle,
		Raw:                map[string]restjson.RawHandlerFunc{"Invoke": h.serveInvoke},
		Authenticate:       auth,
		WriteError:         writeError,
		MaxBodyBytes:       maxRequestBytes,
		AllowTrailingSlash: true,
		AllowEmptyLabels:   true,
		Errors: restjson.Errors{
			NoOperation: func(method, path string) error {
				return &awsproto.Error{Code: codeUnknownOperation, Status: http.StatusNotFound, Sender: true,
					Message: "Stepflow's Lambda has no operation at " + method + " " + path + "."}
			},
			TooLarge: tooLarge,
			Unreadable: func(error) error {
				return awsproto.NewError(CodeInvalidRequestContent, "Could not read the request body.")
			},
			NotObject: func(body []byte, _ error) error {
				if !json.Valid(body) {
					return awsproto.NewError(CodeInvalidRequestContent, "Could not parse request body into json: "+jsonProblem(body))
				}
				return awsproto.NewError(CodeInvalidRequestContent, "Could not parse request body into json: the body must be a JSON object.")
			},
			BadQuery: func(msg string) error { return awsproto.NewError(CodeInvalidParameterValue, msg) },
		},
	})
	if err != nil {
		panic(err) // the model is embedded
	}
	h.api = api
	return h
}

type httpHandler struct {
	s   *Service
	api *restjson.Handler
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if hexSum, ok := strings.CutPrefix(r.URL.Path, codeDownloadPrefix); ok && r.Method == http.MethodGet {
		h.serveCode(w, r, strings.TrimSuffix(hexSum, ".zip"))
		return
	}
	h.api.ServeHTTP(w, r)
}

// maxRequestBytes is an operation's body limit.
func maxRequestBytes(op string) int64 {
	switch op {
	case "CreateFunction", "UpdateFunctionCode":
		return maxCodeRequestBytes
	case "Invoke":
		return maxSyncPayload + 1
	}
	return maxAPIRequestBytes
}

// tooLarge is Lambda's answer to a body over an operation's limit.
func tooLarge(op string) error {
	if op == "Invoke" {
		return awsproto.NewError(CodeRequestTooLarge, fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload))
	}
	return &awsproto.Error{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge, Sender: true,
		Message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", maxCodeRequestBytes, op)}
}

// serveInvoke is Invoke on the wire: the payload is the raw body, the
// options are headers, and the result's members are the status code,
// headers and body.
func (h *httpHandler) serveInvoke(ctx context.Context, w http.ResponseWriter, req *restjson.Request) {
	r, reqID := req.HTTP, req.ID
	in := InvokeInput{
		FunctionName:   req.Labels[0],
		Qualifier:      r.URL.Query().Get("Qualifier"),
		InvocationType: r.Header.Get("X-Amz-Invocation-Type"),
		LogType:        r.Header.Get("X-Amz-Log-Type"),
		ClientContext:  r.Header.Get("X-Amz-Client-Context"),
		Payload:        req.Body,
	}
	// The model's constraints on the name and qualifier.
	check, _ := json.Marshal(map[string]string{"FunctionName": in.FunctionName, "Qualifier": in.Qualifier})
	if in.Qualifier == "" {
		check, _ = json.Marshal(map[string]string{"FunctionName": in.FunctionName})
	}
	if err := awsproto.Validate("lambda", "Invoke", check); err != nil {
		writeError(w, reqID, err)
		return
	}
	out, err := h.s.invoke(ctx, in, reqID)
	if err != nil {
		writeError(w, reqID, err)
		return
	}
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	if out.ExecutedVersion != "" {
		hdr.Set("X-Amz-Executed-Version", out.ExecutedVersion)
	}
	if out.FunctionError != "" {
		hdr.Set("X-Amz-Function-Error", out.FunctionError)
	}
	if out.LogResult != "" {
		hdr.Set("X-Amz-Log-Result", out.LogResult)
	}
	if out.StatusCode != http.StatusOK {
		w.WriteHeader(out.StatusCode)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(out.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Payload)
}

// serveCode serves a stored package.
func (h *httpHandler) serveCode(w http.ResponseWriter, r *http.Request, hexSum string) {
	if len(hexSum) != 64 || strings.Trim(hexSum, "0123456789abcdef") != "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(h.s.code.zipPath(hexSum))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	http.ServeContent(w, r, hexSum+".zip", st.ModTime(), f)
}

// writeError writes an error as Lambda does: the code in the
// X-Amzn-ErrorType header and a body {"Type":"User","message":"..."}
// ("Message" for the shapes that spell it so; "Type":"Service" for server
// faults), plus the Reason of a TooManyRequestsException.
func writeError(w http.ResponseWriter, reqID string, err error) {
	var th *throttled
	reason := ""
	if errors.As(err, &th) {
		reason = th.reason
	}
	e := apiError(err)
	status, sender := restjson.ErrorStatus("lambda", e)
	var b bytes.Buffer
	b.WriteByte('{')
	modeled := false
	if svc, err := model.Load("lambda"); err == nil {
		_, modeled = svc.Error(e.Code)
	}
	if modeled {
		if sender {
			b.WriteString(`"Type":"User",`)
		} else {
			b.WriteString(`"Type":"Service",`)
		}
	}
	if capitalMessage[e.Code] {
		b.WriteString(`"Message":`)
	} else {
		b.WriteString(`"message":`)
	}
	b.WriteString(quote(e.Message))
	if reason != "" {
		b.WriteString(`,"Reason":`)
		b.WriteString(quote(reason))
	}
	b.WriteByte('}')
	restjson.WriteError(w, reqID, e.Code, status, b.Bytes())
}
