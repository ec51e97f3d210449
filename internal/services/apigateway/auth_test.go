package apigateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/apigateway"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestAuthentication checks that the control plane refuses what the
// authenticator refuses, and credentials scoped to another service, with
// REST's 403.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := apigateway.New(apigateway.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = svc.Close()
		_ = db.Close()
	})
	tests := []struct {
		name   string
		auth   awsproto.Authenticator
		status int
		code   string
		msg    string
	}{
		{"unknown key", func(*http.Request, []byte) (*awsproto.Credential, error) { return nil, awsproto.UnrecognizedClient() },
			403, "UnrecognizedClientException", "security token"},
		{"other service", func(*http.Request, []byte) (*awsproto.Credential, error) {
			return &awsproto.Credential{AccessKey: "AK", Service: "states"}, nil
		}, 403, "InvalidSignatureException", "'apigateway'"},
		{"ok", func(*http.Request, []byte) (*awsproto.Credential, error) {
			return &awsproto.Credential{AccessKey: "AK", Service: "apigateway"}, nil
		}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apigateway.NewHTTPHandler(svc, tt.auth)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/v2/apis", nil))
			body, _ := io.ReadAll(w.Body)
			if w.Code != tt.status || w.Header().Get("X-Amzn-ErrorType") != tt.code || !strings.Contains(string(body), tt.msg) {
				t.Errorf("%d %s %s", w.Code, w.Header().Get("X-Amzn-ErrorType"), body)
			}
		})
	}
	// Paths and methods the service has no operation for.
	h := apigateway.NewHTTPHandler(svc, nil)
	for _, tt := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"PUT", "/v2/apis/abc/routes", 405, "MethodNotAllowedException"},
		{"GET", "/v2/apis/abc/nothing", 404, "NotFoundException"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.status || w.Header().Get("X-Amzn-ErrorType") != tt.code {
			t.Errorf("%s %s: %d %s %s", tt.method, tt.path, w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body)
		}
	}
}
