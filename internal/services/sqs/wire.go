package sqs

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/model"
)

// isModelOperation reports whether the SQS model has the operation.
func isModelOperation(action string) bool {
	svc, err := model.Load("sqs")
	if err != nil {
		return false
	}
	_, ok := svc.Operation(action)
	return ok
}

// maxQueryBody bounds a query-protocol request body: a batch of ten
// 256 KiB messages, form-encoded.
const maxQueryBody = 8 << 20

// httpHandler serves both SQS protocols.
type httpHandler struct {
	svc  *Service
	json *awsproto.JSONHandler
	auth awsproto.Authenticator
}

// NewHTTPHandler returns the SQS endpoint: awsJson1_0 requests
// (X-Amz-Target "AmazonSQS.<Action>", routed by the target) and query
// requests (Action=... in a form POST body or a GET query string, to "/"
// or to a queue URL path "/<account>/<queue>", XML responses). auth, when
// set, authenticates every request.
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) (http.Handler, error) {
	jh, err := awsproto.NewJSONHandler(awsproto.JSONConfig{
		Service: "sqs",
		Handle: func(ctx context.Context, action string, body []byte) (any, error) {
			return s.handle(ctx, action, body)
		},
		Authenticate: auth,
		// SQS validates requests itself (its errors are MissingParameter,
		// InvalidParameterValue, InvalidAttributeName...), and accepts
		// values the model's enums leave out (AttributeNames of
		// ReceiveMessage such as ApproximateReceiveCount).
		SkipValidation: true,
	})
	if err != nil {
		return nil, err
	}
	return &httpHandler{svc: s, json: jh, auth: auth}, nil
}

// ServeHTTP implements http.Handler.
func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "" {
		h.json.ServeHTTP(w, r)
		return
	}
	h.serveQuery(w, r)
}

// queueFromPath returns the queue URL a request path names
// ("/<account>/<queue>"), or "".
func (s *Service) queueFromPath(path string) string {
	if name, ok := s.nameFromURL(path); ok {
		return s.queueURL(name)
	}
	return ""
}

// apiErrorOf converts any error into the *awsproto.Error written on the
// wire (an internal failure for errors that are not API errors).
func apiErrorOf(err error) *awsproto.Error {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e
	}
	return awsproto.InternalFailure(err.Error())
}

// contentType of a request, without parameters, lower case.
func contentType(r *http.Request) string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}
