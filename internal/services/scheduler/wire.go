package scheduler

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// NewHTTPHandler returns the restJson1 endpoint of the service, for the
// paths under PathPrefixes. auth, when set, authenticates every request
// (signed for the "scheduler" service).
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	api, err := restjson.New(restjson.Config{
		Service:            "scheduler",
		Operations:         Actions(),
		Handle:             s.handle,
		Authenticate:       auth,
		WriteError:         writeError,
		AllowTrailingSlash: true, // servedPath keeps it to the list paths
		Errors: restjson.Errors{
			NoOperation: errNoOperation,
			BadQueryInteger: func(param, value string) error {
				return errValidation("Invalid value for query parameter " + param + ": " + strconv.Quote(value) + " is not a whole number.")
			},
		},
	})
	if err != nil {
		panic(err) // the model is embedded
	}
	return &httpHandler{api: api}
}

type httpHandler struct {
	api *restjson.Handler
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := servedPath(r.URL.EscapedPath())
	if !ok {
		writeError(w, awsproto.NewRequestID(), errNoOperation(r.Method, r.URL.Path))
		return
	}
	if p != r.URL.EscapedPath() {
		// As http.StripPrefix does: the request with another URL.
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = new(url.URL)
		*r2.URL = *r.URL
		r2.URL.RawPath = p
		r = r2
	}
	h.api.ServeHTTP(w, r)
}

// servedPath maps the escaped path of a request onto the model's URI
// templates, for the two spellings Scheduler takes beside them: the
// resource ARN of /tags/{ResourceArn} with its "/" unescaped (as some
// clients send it), made one segment; and a trailing slash, taken on the
// list paths only. It returns false for a path no operation has.
func servedPath(p string) (string, bool) {
	if arn, ok := strings.CutPrefix(p, "/tags/"); ok && arn != "" && arn[0] != '/' {
		return "/tags/" + strings.ReplaceAll(arn, "/", "%2F"), true
	}
	if strings.HasSuffix(p, "/") && p != "/schedules/" && p != "/schedule-groups/" {
		return p, false
	}
	return p, true
}

// errNoOperation answers a path no operation has.
func errNoOperation(method, path string) error {
	return &awsproto.Error{Code: awsproto.CodeUnknownOperation, Status: http.StatusNotFound, Sender: true,
		Message: "Stepflow's EventBridge Scheduler has no operation at " + method + " " + path + "."}
}

// writeError writes an error as restJson1 services do: the code in the
// X-Amzn-ErrorType header and a body {"Message": "..."}.
func writeError(w http.ResponseWriter, reqID string, err error) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.NewError(CodeInternal, err.Error())
	}
	status, _ := restjson.ErrorStatus("scheduler", e)
	b, _ := json.Marshal(map[string]string{"Message": e.Message})
	restjson.WriteError(w, reqID, e.Code, status, b)
}
