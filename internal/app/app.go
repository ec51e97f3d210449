// Package app is the composition root: it opens the store, starts the
// runner and serves every emulated AWS service on one HTTP listener.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/internal/approvals"
	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/console"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/integrations"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/services/apigateway"
	"github.com/stepflow/stepflow/internal/services/dynamodb"
	"github.com/stepflow/stepflow/internal/services/events"
	"github.com/stepflow/stepflow/internal/services/iam"
	"github.com/stepflow/stepflow/internal/services/lambda"
	"github.com/stepflow/stepflow/internal/services/logs"
	"github.com/stepflow/stepflow/internal/services/s3"
	"github.com/stepflow/stepflow/internal/services/scheduler"
	"github.com/stepflow/stepflow/internal/services/ses"
	"github.com/stepflow/stepflow/internal/services/sfn"
	"github.com/stepflow/stepflow/internal/services/sqs"
	"github.com/stepflow/stepflow/internal/services/sts"
	"github.com/stepflow/stepflow/internal/store"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// Config configures a server. Defaults are applied by Validate.
type Config struct {
	// Listen is the address to serve on. ["127.0.0.1:8083"]
	Listen string
	// DataDir holds the SQLite database. [$XDG_DATA_HOME/stepflow or ~/.local/share/stepflow]
	DataDir string
	// Credentials maps access key ids to secret keys. When empty, requests
	// are not authenticated, which is allowed only on a loopback address
	// unless Insecure is set.
	Credentials map[string]string
	Insecure    bool
	// PublicURL is the URL people and clients reach the server at, for the
	// links it builds (approval e-mails, queue URLs). [http://<listen address>]
	PublicURL string
	// SMTPRelay, "host:port", is where e-mail sent through SES is relayed
	// over SMTP; every message is kept in the outbox either way. [none]
	SMTPRelay string
	Account   string  // ["111111111111"]
	Region    string  // ["us-east-1"]
	TimeScale float64 // divides every timer [1]
	// Relaxed lifts the payload and history limits for self-hosting.
	Relaxed bool
	// NoSync turns off fsync at commit (benchmarks and tests only: a
	// commit may then be lost with the machine, not with the process).
	NoSync bool
	Logger *slog.Logger // [discard]
}

// Validate applies defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8083"
	}
	if c.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return err
		}
		c.DataDir = dir
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != "" {
		return fmt.Errorf("account id %q must be 12 digits", c.Account)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.TimeScale <= 0 {
		c.TimeScale = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if len(c.Credentials) == 0 && !c.Insecure && !isLoopback(c.Listen) {
		return fmt.Errorf("listening on %s without credentials would let anyone on the network run workflows: pass --credentials ACCESS:SECRET, or --insecure to allow it", c.Listen)
	}
	return nil
}

// DefaultDataDir is the per-user data folder.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "stepflow"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find a data folder: %w (pass --data DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "stepflow"), nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is a running Stepflow server.
type Server struct {
	cfg       Config
	publicURL string
	db        *sqlite.DB
	runner    *runner.Runner
	sfn       *sfn.Service
	approvals *approvals.Service
	ses       *ses.Service
	s3        *s3.Service
	sqs       *sqs.Service
	dynamodb  *dynamodb.Service
	iam       *iam.Service
	sts       *sts.Service
	logs      *logs.Service
	scheduler *scheduler.Service
	events    *events.Service
	apigw     *apigateway.Service
	execLogs  atomic.Pointer[execLogger]
	lambda    *lambda.Service
	// invoke runs a Lambda function (nil until Lambda is wired).
	invoke func(ctx context.Context, req integrations.InvokeRequest) (integrations.InvokeResponse, error)
	http   *http.Server
	ln     net.Listener

	// ready is closed once every service is wired: tasks wait for it.
	ready chan struct{}

	// closers release what Start opened, in reverse order.
	closers []func()
}

// onClose registers a release to run at Shutdown (or when Start fails).
func (s *Server) onClose(f func()) { s.closers = append(s.closers, f) }

func (s *Server) closeAll() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Start opens the store, recovers running executions and starts listening.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	s := &Server{cfg: cfg, ready: make(chan struct{})}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	// Listen first: services build URLs (queue URLs, approval links) from
	// the address. Requests wait in the backlog until serving starts.
	s.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another stepflow running? pass --listen)", cfg.Listen, err)
	}
	s.onClose(func() { s.ln.Close() })
	s.publicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if s.publicURL == "" {
		s.publicURL = s.URL()
	}

	opts := sqlite.Options{}
	if cfg.NoSync {
		opts.Synchronous = "NORMAL"
	}
	s.db, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "stepflow.db"), opts)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.onClose(func() { s.db.Close() })
	db := s.db

	var auth awsproto.Authenticator
	if len(cfg.Credentials) > 0 {
		// The configured keys, and the temporary credentials STS issued
		// (AssumeRole: e.g. the ones a Lambda function runs with).
		v := &awsproto.Verifier{Lookup: func(k string) (string, bool) {
			if secret, ok := cfg.Credentials[k]; ok {
				return secret, true
			}
			if s.sts != nil {
				return s.sts.Secret(context.Background(), k)
			}
			return "", false
		}}
		auth = v.Verify
	}
	router := &awsproto.Router{}

	// Task integrations reach the services through these callers; the
	// services start after the runner, so the callers look them up late.
	sdk := map[string]integrations.Caller{
		"sfn": func(ctx context.Context, action string, input []byte) ([]byte, error) {
			return callJSON(ctx, "sfn", s.sfn.Handle, action, input)
		},
	}
	tasks := integrations.New(integrations.Config{
		Account: cfg.Account, Region: cfg.Region, SDK: sdk,
		Invoke: func(ctx context.Context, req integrations.InvokeRequest) (integrations.InvokeResponse, error) {
			return s.invoke(ctx, req)
		},
		Wait: func(ctx context.Context, arn string) error { _, err := s.runner.Wait(ctx, arn); return err },
	})
	s.runner, err = runner.New(runner.Config{
		Store: db, Logger: cfg.Logger, TimeScale: cfg.TimeScale, Relaxed: cfg.Relaxed,
		Account: cfg.Account, Region: cfg.Region,
		OnCommitted: func(ex store.Execution, events []store.Event) {
			if x := s.execLogs.Load(); x != nil {
				x.committed(ex, events)
			}
		},
		// Tasks recovered at start wait until every service is wired.
		Resolve: func(resource string) runner.Handler {
			h := tasks.Resolve(resource)
			if h == nil {
				return nil
			}
			return func(ctx context.Context, t runner.Task) (jsonv.Value, error) {
				select {
				case <-s.ready:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return h(ctx, t)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if err := s.runner.Start(ctx); err != nil {
		return nil, err
	}
	s.onClose(s.runner.Stop)

	xlog, err := openExpressLog(ctx, db)
	if err != nil {
		return nil, err
	}
	s.sfn, err = sfn.New(sfn.Config{
		Store: db, Runner: s.runner, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger,
		Express: xlog,
		OnExpressEnded: func(smArn, execArn string, history []engine.HistoryEvent) {
			if x := s.execLogs.Load(); x != nil {
				x.expressEnded(smArn, execArn, history)
			}
		},
		// EXPRESS executions run in memory in real time, with the same Task
		// integrations as STANDARD ones.
		Local: &local.Runner{Now: time.Now, TimeScale: cfg.TimeScale, Tasks: expressTasks(tasks, s.ready)},
	})
	if err != nil {
		return nil, err
	}
	s.onClose(s.sfn.Close)
	if n, err := s.sfn.RecoverExpress(ctx); err != nil {
		cfg.Logger.Warn("express_recovery_failed", "err", err)
	} else if n > 0 {
		cfg.Logger.Info("express_executions_resumed", "count", n)
	}
	sfnHandler, err := sfn.NewHTTPHandler(s.sfn, auth)
	if err != nil {
		return nil, err
	}
	router.HandleTarget(sfnHandler.TargetPrefix(), sfnHandler)

	s.approvals, err = approvals.New(approvals.Config{
		DB: db, BaseURL: s.publicURL, Logger: cfg.Logger, Authenticate: auth,
		Complete: func(ctx context.Context, token string, approved bool, output, errName, cause string) error {
			if approved {
				v, err := jsonv.ParseString(output)
				if err != nil {
					return err
				}
				return s.runner.SendTaskSuccess(ctx, token, v)
			}
			return s.runner.SendTaskFailure(ctx, token, errName, cause)
		},
	})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.approvals.Close() })
	router.HandlePath(approvals.PathPrefix, approvals.NewHTTPHandler(s.approvals))

	// SES v1 and v2, with the outbox people read in a browser.
	s.ses, err = ses.New(ses.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger,
		BaseURL: s.publicURL, SMTPRelay: cfg.SMTPRelay})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.ses.Close() })
	sesHandler := ses.NewHTTPHandler(s.ses, auth)
	router.HandlePath(ses.PathPrefix, sesHandler)
	router.HandleService(ses.SigningName, sesHandler)
	router.HandlePath(ses.OutboxPath, ses.NewOutboxHandler(s.ses))
	sdk["ses"] = s.ses.CallV1
	sdk["sesv2"] = s.ses.Call

	// SQS: the JSON protocol by target, the query protocol on queue URLs
	// (/<account>/<queue>) and on / when signed for sqs.
	s.sqs, err = sqs.New(sqs.Config{DB: db, Account: cfg.Account, Region: cfg.Region, BaseURL: s.publicURL, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.sqs.Close() })
	sqsHandler, err := sqs.NewHTTPHandler(s.sqs, auth)
	if err != nil {
		return nil, err
	}
	router.HandleTarget(sqs.TargetPrefix, sqsHandler)
	router.HandlePath("/"+cfg.Account, sqsHandler)
	router.HandleService(sqs.SigningName, sqsHandler)
	sdk["sqs"] = s.sqs.Call

	// DynamoDB.
	s.dynamodb, err = dynamodb.New(dynamodb.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.dynamodb.Close() })
	ddbHandler, err := dynamodb.NewHTTPHandler(s.dynamodb, auth)
	if err != nil {
		return nil, err
	}
	router.HandleTarget(dynamodb.TargetPrefix, ddbHandler)
	sdk["dynamodb"] = s.dynamodb.Call

	// IAM and STS (global control planes the Terraform provider needs) and
	// CloudWatch Logs.
	s.iam, err = iam.New(iam.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.iam.Close() })
	router.HandleService(iam.SigningName, iam.NewHTTPHandler(s.iam, auth))
	sdk["iam"] = s.iam.Call
	s.sts, err = sts.New(sts.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger, RoleID: s.iam.RoleID})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.sts.Close() })
	router.HandleService(sts.SigningName, sts.NewHTTPHandler(s.sts, auth))
	sdk["sts"] = s.sts.Call
	s.logs, err = logs.New(logs.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.logs.Close() })
	router.HandleTarget(logs.TargetPrefix, logs.NewHTTPHandler(s.logs, auth))
	sdk["cloudwatchlogs"] = s.logs.Call
	// State machines with a loggingConfiguration log their executions there.
	x := newExecLogger(s.logs, func(ctx context.Context, smArn string) (loggingConfig, error) {
		out, err := callJSON(ctx, "sfn", s.sfn.Handle, "DescribeStateMachine", []byte(`{"stateMachineArn":`+strconv.Quote(smArn)+`}`))
		if err != nil {
			return loggingConfig{}, err
		}
		var d struct {
			LoggingConfiguration loggingConfig `json:"loggingConfiguration"`
		}
		err = json.Unmarshal(out, &d)
		return d.LoggingConfiguration, err
	}, cfg.Logger.Warn)
	s.execLogs.Store(x)
	s.onClose(x.close)

	// Lambda: Go functions run as real processes through the Runtime API.
	access, secret := "stepflow", "stepflow"
	for k, v := range cfg.Credentials {
		access, secret = k, v
	}
	s.lambda, err = lambda.New(lambda.Config{DB: db, CodeDir: filepath.Join(cfg.DataDir, "lambda"), Account: cfg.Account,
		Region: cfg.Region, Logger: cfg.Logger, EndpointURL: s.publicURL, AccessKeyID: access, SecretAccessKey: secret,
		SQS: s.sqs.Call, LogSink: s.lambdaLogs})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.lambda.Close() })
	lambdaHandler := lambda.NewHTTPHandler(s.lambda, auth)
	for _, p := range lambda.PathPrefixes {
		router.HandlePath(p, lambdaHandler)
	}
	sdk["lambda"] = s.lambda.Call
	s.invoke = func(ctx context.Context, req integrations.InvokeRequest) (integrations.InvokeResponse, error) {
		out, err := s.lambda.Invoke(ctx, lambda.InvokeInput{FunctionName: req.FunctionName, Qualifier: req.Qualifier,
			InvocationType: req.InvocationType, ClientContext: req.ClientContext, Payload: req.Payload})
		return integrations.InvokeResponse{StatusCode: out.StatusCode, FunctionError: out.FunctionError,
			ExecutedVersion: out.ExecutedVersion, Payload: out.Payload}, err
	}

	// S3: objects on disk under the data folder, metadata in SQLite. It also
	// answers requests no other service claims, as S3's endpoint would.
	s.s3, err = s3.New(s3.Config{DB: db, Dir: filepath.Join(cfg.DataDir, "s3"), Account: cfg.Account, Region: cfg.Region,
		Logger: cfg.Logger, PublicURL: s.publicURL, NoSync: cfg.NoSync})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.s3.Close() })
	s3Handler := s3.NewHTTPHandler(s.s3, auth)
	router.HandleService(s3.SigningName, s3Handler)
	router.NotFound = fallback(s3Handler)
	sdk["s3"] = s.s3.Call

	// EventBridge Scheduler and EventBridge deliver to state machines,
	// functions and queues through the same callers as Task integrations.
	tg := &targets{sdk: sdk, publicURL: s.publicURL, invoke: func(ctx context.Context, fn string, payload []byte) error {
		_, err := s.invoke(ctx, integrations.InvokeRequest{FunctionName: fn, InvocationType: "Event", Payload: payload})
		return err
	}}
	s.scheduler, err = scheduler.New(scheduler.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger,
		TimeScale: cfg.TimeScale,
		Deliver: func(ctx context.Context, t scheduler.Target, input []byte) error {
			group := ""
			if t.SqsParameters != nil {
				group = t.SqsParameters.MessageGroupId
			}
			return tg.deliver(ctx, t.Arn, input, group)
		},
		DeadLetter: tg.deadLetter,
	})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.scheduler.Close() })
	schedHandler := scheduler.NewHTTPHandler(s.scheduler, auth)
	for _, p := range scheduler.PathPrefixes {
		router.HandlePath(p, schedHandler)
	}
	sdk["scheduler"] = s.scheduler.Call
	s.events, err = events.New(events.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger,
		TimeScale: cfg.TimeScale,
		Deliver: func(ctx context.Context, t events.Target, input []byte) error {
			group := ""
			if t.SqsParameters != nil {
				group = t.SqsParameters.MessageGroupId
			}
			return tg.deliver(ctx, t.Arn, input, group)
		},
		DeadLetter: tg.deadLetter,
	})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.events.Close() })
	router.HandleTarget(events.TargetPrefix, events.NewHTTPHandler(s.events, auth))
	sdk["eventbridge"] = s.events.Call

	// API Gateway v2 HTTP APIs: the control plane, and the data plane at
	// /_apis/{apiId}/... or on {apiId}.execute-api.* hosts.
	s.apigw, err = apigateway.New(apigateway.Config{DB: db, Account: cfg.Account, Region: cfg.Region, Logger: cfg.Logger,
		BaseURL: s.publicURL,
		Invoke: func(ctx context.Context, fn string, payload []byte) (int, string, []byte, error) {
			if s.invoke == nil {
				return 0, "", nil, errors.New("Lambda is not available in this Stepflow")
			}
			r, err := s.invoke(ctx, integrations.InvokeRequest{FunctionName: fn, Payload: payload})
			return r.StatusCode, r.FunctionError, r.Payload, err
		},
		StepFunctions: apigateway.StepFunctionsFunc(sdk["sfn"]),
		// AWS_IAM routes: the signature is verified like every other
		// service's (configured keys and STS temporary credentials; without
		// --credentials any well-formed signature passes), and STS names
		// the caller.
		VerifyIAM: func(r *http.Request, body []byte) (*apigateway.CallerIdentity, error) {
			var cred *awsproto.Credential
			var err error
			if auth != nil {
				cred, err = auth(r, body)
			} else {
				cred, err = awsproto.ParseCredentialScope(r)
			}
			if err != nil {
				return nil, err
			}
			out, err := s.sts.Call(awsproto.WithCredential(r.Context(), cred), "GetCallerIdentity", nil)
			if err != nil {
				return nil, err
			}
			var who struct{ UserId, Account, Arn string }
			if err := json.Unmarshal(out, &who); err != nil {
				return nil, err
			}
			return &apigateway.CallerIdentity{AccessKey: cred.AccessKey, AccountID: who.Account, CallerID: who.UserId,
				UserID: who.UserId, UserARN: who.Arn}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	s.onClose(func() { s.apigw.Close() })
	apiControl := apigateway.NewHTTPHandler(s.apigw, auth)
	for _, p := range apigateway.PathPrefixes {
		router.HandlePath(p, apiControl)
	}
	dataPlane := apigateway.NewDataPlane(s.apigw)
	router.HandlePath(apigateway.DataPlanePrefix, dataPlane)
	sdk["apigatewayv2"] = s.apigw.Call

	// The web console, and the root page for browsers.
	consoleOpts := console.Options{BaseURL: s.publicURL, Region: cfg.Region, Logger: cfg.Logger}
	for k, v := range cfg.Credentials {
		consoleOpts.AccessKey, consoleOpts.SecretKey = k, v
	}
	router.HandlePath("/console", console.NewHandler(consoleBackend{s}, consoleOpts))

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apigateway.IsExecuteAPIHost(r.Host) {
			dataPlane.ServeHTTP(w, r)
			return
		}
		router.ServeHTTP(w, r)
	})
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	close(s.ready)
	go func() {
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("serve_failed", "err", err)
		}
	}()
	cfg.Logger.Info("serving", "address", s.Addr(), "url", s.publicURL, "data", cfg.DataDir, "region", cfg.Region, "account", cfg.Account)
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the endpoint URL clients use.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Shutdown stops accepting requests, waits for those in flight (up to
// ctx), stops the runner and the services and closes the store, like
// http.Server.Shutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.sfn.Close() // ends long polls (GetActivityTask) so in-flight requests can finish
	err := s.http.Shutdown(ctx)
	// The runner stops first: tasks still running then deliver nothing, and
	// run again after the next start.
	s.runner.Stop()
	s.closeAll()
	return err
}

// callJSON runs one action of an awsJson service in process, validating
// its input against the service's model as the wire path does, and
// returns its JSON output.
func callJSON(ctx context.Context, service string, handle awsproto.HandlerFunc, action string, input []byte) ([]byte, error) {
	if err := awsproto.Validate(service, action, input); err != nil {
		var ae *awsproto.Error
		if !errors.As(err, &ae) {
			return nil, awsproto.UnknownOperation() // no such action
		}
		return nil, err
	}
	out, err := handle(ctx, action, input)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// expressTasks runs the Tasks of EXPRESS executions through the
// integrations, as the runner does for STANDARD ones. Executions resumed at
// start wait until ready is closed: every service is wired.
func expressTasks(in *integrations.Integrations, ready <-chan struct{}) func(ctx context.Context, arn string, c engine.ScheduleTask) (jsonv.Value, error) {
	return func(ctx context.Context, arn string, c engine.ScheduleTask) (jsonv.Value, error) {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		h := in.Resolve(c.Resource)
		if h == nil {
			return nil, &local.TaskError{Name: "States.TaskFailed", Cause: "Stepflow has no integration for the resource " + c.Resource + " yet"}
		}
		out, err := h(ctx, runner.Task{ExecutionArn: arn, TaskID: c.TaskID, StateName: c.StateName, Resource: c.Resource,
			Parameters: c.Parameters, Token: c.TaskToken, Timeout: time.Duration(c.TimeoutSeconds) * time.Second})
		var te *runner.TaskError
		if errors.As(err, &te) {
			return nil, &local.TaskError{Name: te.Name, Cause: te.Cause}
		}
		return out, err
	}
}

// fallback serves the requests no service claims: a browser asking for the
// root page is sent to the console; an awsJson request (by its content
// type) gets UnknownOperationException as an awsJson service answers it;
// anything else goes to S3, whose endpoint takes any path.
func fallback(s3 http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.Method == http.MethodGet && r.Header.Get("Authorization") == "" &&
			strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/console/", http.StatusFound) // a browser, not an S3 client
			return
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-") {
			awsproto.WriteJSONError(w, "", "", awsproto.UnknownOperation())
			return
		}
		s3.ServeHTTP(w, r)
	})
}

// lambdaLogs writes an invocation's log to the function's CloudWatch Logs
// group, /aws/lambda/<function>, one event per line, in a stream per day
// and version named as Lambda names them ("2006/01/02/[$LATEST]…").
func (s *Server) lambdaLogs(ctx context.Context, function string, inv lambda.Invocation) {
	if s.logs == nil || inv.Log == "" {
		return
	}
	version := inv.Version
	if version == "" {
		version = "$LATEST"
	}
	stream := inv.Start.UTC().Format("2006/01/02") + "/[" + version + "]stepflow"
	var events []logs.Event
	for line := range strings.SplitSeq(strings.TrimRight(inv.Log, "\n"), "\n") {
		events = append(events, logs.Event{Timestamp: inv.Start, Message: line})
	}
	if err := s.logs.Append(ctx, "/aws/lambda/"+function, stream, events); err != nil {
		s.cfg.Logger.Warn("lambda_logs_not_written", "function", function, "err", err)
	}
}
