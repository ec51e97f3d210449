package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/app"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := app.Config{}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8083", "address to serve every emulated AWS service on")
	fs.StringVar(&cfg.DataDir, "data", "", "folder for the SQLite database (default: ~/.local/share/stepflow)")
	creds := fs.String("credentials", "", "ACCESS:SECRET (or @file holding it): verify SigV4 signatures against this key")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "allow a non-loopback address without credentials")
	fs.StringVar(&cfg.SMTPRelay, "smtp", "", "HOST:PORT of an SMTP relay that e-mail sent through SES is delivered to (it is always kept in the outbox at /outbox)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "URL people reach the server at, for the links it builds (default: http://<listen address>)")
	fs.StringVar(&cfg.Account, "account", "111111111111", "AWS account id in ARNs")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "AWS region in ARNs")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "divide every timer (Wait, retry, timeouts) by this factor")
	limits := fs.String("limits", "aws", "aws: AWS's payload and history limits; relaxed: lift them for self-hosting")
	logFormat := fs.String("log", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch *limits {
	case "aws":
	case "relaxed":
		cfg.Relaxed = true
	default:
		return fmt.Errorf("--limits must be aws or relaxed, not %q", *limits)
	}
	if *creds != "" {
		text := *creds
		if strings.HasPrefix(text, "@") {
			b, err := os.ReadFile(text[1:])
			if err != nil {
				return fmt.Errorf("read credentials: %w", err)
			}
			text = strings.TrimSpace(string(b))
		}
		key, secret, ok := strings.Cut(text, ":")
		if !ok || key == "" || secret == "" {
			return fmt.Errorf("--credentials must be ACCESS:SECRET")
		}
		cfg.Credentials = map[string]string{key: secret}
	}
	switch *logFormat {
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	default:
		return fmt.Errorf("--log must be text or json, not %q", *logFormat)
	}
	app.TuneRuntime()
	srv, err := app.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stepflow serving on %s (aws --endpoint-url %s stepfunctions ...)\n", srv.URL(), srv.URL())
	fmt.Fprintf(stdout, "for start-sync-execution and test-state, which the SDKs send to a sync- host: export HTTP_PROXY=%s\n", srv.URL())
	<-ctx.Done()
	cfg.Logger.Info("shutting_down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
