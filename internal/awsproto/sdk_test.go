package awsproto_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepflow/stepflow/internal/awsproto"
)

const (
	testKey    = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

func testLookup(key string) (string, bool) {
	if key == testKey {
		return testSecret, true
	}
	return "", false
}

// fakeSFN is a tiny Step Functions: one state machine, errors for the rest.
func fakeSFN(ctx context.Context, action string, body []byte) (any, error) {
	switch action {
	case "DescribeStateMachine":
		var in struct {
			StateMachineArn string `json:"stateMachineArn"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		if in.StateMachineArn != "arn:aws:states:us-east-1:111111111111:stateMachine:m" {
			return nil, awsproto.Errorf("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", in.StateMachineArn)
		}
		return map[string]any{
			"stateMachineArn": in.StateMachineArn, "name": "m", "status": "ACTIVE",
			"definition": `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			"roleArn":    "arn:aws:iam::111111111111:role/r", "type": "STANDARD", "creationDate": 1700000000,
		}, nil
	case "ListStateMachines":
		region := "none"
		if cred, ok := awsproto.CredentialFrom(ctx); ok {
			region = cred.Region
		}
		return json.RawMessage(`{"stateMachines":[],"nextToken":"` + region + `/` + awsproto.RequestID(ctx) + `"}`), nil
	case "StartExecution":
		return nil, errors.New("disk on fire")
	case "StopExecution":
		return nil, &awsproto.Error{Code: "ExecutionDoesNotExist", Message: "Execution Does Not Exist: 'x'"}
	}
	return nil, awsproto.UnknownOperation()
}

func newSFNServer(t *testing.T, auth bool) *httptest.Server {
	t.Helper()
	cfg := awsproto.JSONConfig{Service: "sfn", Handle: fakeSFN}
	if auth {
		v := &awsproto.Verifier{Lookup: testLookup}
		cfg.Authenticate = v.Verify
	}
	h, err := awsproto.NewJSONHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	rt.HandleTarget(h.TargetPrefix(), h)
	srv := httptest.NewServer(&rt)
	t.Cleanup(srv.Close)
	return srv
}

func newSFNClient(url, key, secret string) *sfn.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
	return sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestSDKDecodesErrors(t *testing.T) {
	t.Parallel()
	srv := newSFNServer(t, true)
	c := newSFNClient(srv.URL, testKey, testSecret)
	ctx := context.Background()

	out, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:111111111111:stateMachine:m")})
	if err != nil {
		t.Fatalf("DescribeStateMachine: %v", err)
	}
	if aws.ToString(out.Name) != "m" || out.CreationDate.Unix() != 1700000000 {
		t.Errorf("DescribeStateMachine = %+v", out)
	}

	list, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatalf("ListStateMachines: %v", err)
	}
	if tok := aws.ToString(list.NextToken); !strings.HasPrefix(tok, "us-east-1/") || len(tok) != len("us-east-1/")+36 {
		t.Errorf("nextToken = %q; want region/request id", tok)
	}

	tests := []struct {
		name    string
		call    func() error
		check   func(error) bool
		code    string
		message string
	}{
		{
			name: "StateMachineDoesNotExist",
			call: func() error {
				_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:111111111111:stateMachine:nope")})
				return err
			},
			check:   func(err error) bool { var e *types.StateMachineDoesNotExist; return errors.As(err, &e) },
			code:    "StateMachineDoesNotExist",
			message: "State Machine Does Not Exist: 'arn:aws:states:us-east-1:111111111111:stateMachine:nope'",
		},
		{
			name: "ExecutionDoesNotExist",
			call: func() error {
				_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String("x")})
				return err
			},
			check:   func(err error) bool { var e *types.ExecutionDoesNotExist; return errors.As(err, &e) },
			code:    "ExecutionDoesNotExist",
			message: "Execution Does Not Exist: 'x'",
		},
		{
			name: "ValidationException",
			call: func() error {
				_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
					Name: aws.String(strings.Repeat("n", 81)), Definition: aws.String("{}"), RoleArn: aws.String("arn:aws:iam::1:role/r"),
				})
				return err
			},
			check:   func(err error) bool { var e *types.ValidationException; return errors.As(err, &e) },
			code:    "ValidationException",
			message: "1 validation error detected: Value '" + strings.Repeat("n", 81) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
		},
		{
			name: "InternalFailure",
			call: func() error {
				_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn")})
				return err
			},
			check:   func(err error) bool { return true },
			code:    "InternalFailure",
			message: "disk on fire",
		},
		{
			name: "UnknownOperation",
			call: func() error {
				_, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
				return err
			},
			check: func(err error) bool { return true },
			code:  "UnknownOperationException",
		},
		{
			name: "UnrecognizedClient",
			call: func() error {
				_, err := newSFNClient(srv.URL, "AKIDUNKNOWN", testSecret).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
				return err
			},
			check:   func(err error) bool { return true },
			code:    "UnrecognizedClientException",
			message: "The security token included in the request is invalid.",
		},
		{
			name: "wrong service in scope",
			call: func() error {
				c := newSFNClient(srv.URL, testKey, testSecret)
				_, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}, func(o *sfn.Options) {
					o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
						return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("rescope", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
							return next.HandleFinalize(awsmiddleware.SetSigningName(ctx, "lambda"), in)
						}), middleware.Before)
					})
				})
				return err
			},
			check:   func(err error) bool { return true },
			code:    "InvalidSignatureException",
			message: "Credential should be scoped to correct service: 'states'. ",
		},
		{
			name: "InvalidSignature",
			call: func() error {
				_, err := newSFNClient(srv.URL, testKey, "wrong").ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
				return err
			},
			check:   func(err error) bool { return true },
			code:    "InvalidSignatureException",
			message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if !tt.check(err) {
				t.Errorf("error %T %v is not the typed error", err, err)
			}
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %T %v is not a smithy.APIError", err, err)
			}
			want := tt.message
			if want == "" {
				want = "UnknownError" // the SDK's message when the body has none
			}
			if api.ErrorCode() != tt.code || api.ErrorMessage() != want {
				t.Errorf("error = %q %q; want %q %q", api.ErrorCode(), api.ErrorMessage(), tt.code, want)
			}
		})
	}
}

func TestJSONWire(t *testing.T) {
	t.Parallel()
	srv := newSFNServer(t, false)
	tests := []struct {
		name       string
		target     string
		ctype      string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"ok", "AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0", `{}`, 200, ``},
		{"not found", "AWSStepFunctions.DescribeStateMachine", "application/x-amz-json-1.0", `{"stateMachineArn":"a"}`, 400,
			`{"__type":"com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist","message":"State Machine Does Not Exist: 'a'"}`},
		{"unknown action", "AWSStepFunctions.Frobnicate", "application/x-amz-json-1.0", `{}`, 400,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"unknown prefix", "Nope.ListStateMachines", "application/x-amz-json-1.0", `{}`, 400,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"malformed json", "AWSStepFunctions.DescribeStateMachine", "application/x-amz-json-1.0", `{"stateMachineArn":`, 400,
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"wrong type", "AWSStepFunctions.DescribeStateMachine", "application/x-amz-json-1.0", `{"stateMachineArn":5}`, 400,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"NUMBER_VALUE cannot be converted to String"}`},
		{"missing member", "AWSStepFunctions.DescribeStateMachine", "application/x-amz-json-1.0", `{}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"}`},
		{"internal", "AWSStepFunctions.StartExecution", "application/x-amz-json-1.0", `{"stateMachineArn":"a"}`, 500,
			`{"__type":"com.amazon.coral.service#InternalFailure","message":"disk on fire"}`},
		{"bad content type", "AWSStepFunctions.ListStateMachines", "text/plain", `{}`, 400,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", tt.ctype)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf strings.Builder
			_, _ = io.Copy(&buf, resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d; want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && buf.String() != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", buf.String(), tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/x-amz-json-1.0" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := resp.Header.Get("X-Amzn-Requestid"); len(got) != 36 {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
			if got := resp.Header.Get("X-Amzn-Errortype"); got != "" {
				t.Errorf("x-amzn-ErrorType = %q; awsJson services send none", got)
			}
		})
	}
}

func BenchmarkJSONHandler(b *testing.B) {
	h, err := awsproto.NewJSONHandler(awsproto.JSONConfig{Service: "sfn", Handle: fakeSFN})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"stateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:m"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AWSStepFunctions.DescribeStateMachine")
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Body.String())
		}
	}
}
