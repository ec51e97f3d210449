package apigateway

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/restjson"
)

// NewHTTPHandler returns the restJson1 control plane (the paths under
// PathPrefixes, signed as SigningName). auth, when set, authenticates every
// request.
func NewHTTPHandler(s *Service, auth awsproto.Authenticator) http.Handler {
	h, err := restjson.New(restjson.Config{
		Service:      modelName,
		Handle:       s.handle,
		Authenticate: auth,
		WriteError:   writeError,
		Errors: restjson.Errors{
			NoOperation: func(method, path string) error {
				return notFound("Stepflow's API Gateway has no operation at " + method + " " + path + ".")
			},
			TooLarge: func(string) error {
				return &awsproto.Error{Code: "PayloadTooLargeException", Status: http.StatusRequestEntityTooLarge, Sender: true,
					Message: "Request Entity Too Large"}
			},
			Unreadable: func(error) error { return badRequest("Could not read the request body.") },
			NotObject:  func([]byte, error) error { return badRequest("Could not parse the request body as a JSON object.") },
			BadQuery:   func(msg string) error { return badRequest(msg) },
		},
	})
	if err != nil {
		panic(err) // the model is embedded
	}
	return h
}

// writeError writes err as API Gateway does: the code in the
// X-Amzn-ErrorType header and a body {"message": "..."}.
func writeError(w http.ResponseWriter, reqID string, err error) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = &awsproto.Error{Code: "InternalServerException", Status: http.StatusInternalServerError, Message: err.Error()}
	}
	status, _ := restjson.ErrorStatus(modelName, e)
	msg, _ := json.Marshal(e.Message)
	b := append([]byte(`{"message":`), msg...)
	restjson.WriteError(w, reqID, e.Code, status, append(b, '}'))
}
