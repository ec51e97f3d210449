package dynamodb_test

import (
	"context"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.uber.org/goleak"

	"github.com/stepflow/stepflow/internal/awsproto"
	ddb "github.com/stepflow/stepflow/internal/services/dynamodb"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDK's HTTP client keeps idle connections to the test servers.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// TestImports keeps the service's dependencies pointing inward: no other
// emulated service, no composition root.
func TestImports(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "attr", "expr"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range pf.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/services/") &&
					!strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/services/dynamodb") ||
					strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/app") ||
					strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/cli") ||
					strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/runner") ||
					strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/engine") ||
					strings.HasPrefix(p, "github.com/stepflow/stepflow/internal/conformance") {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}

const (
	account = "111111111111"
	region  = "us-east-1"
)

// testBundle is one service over HTTP on a fresh SQLite database.
type testBundle struct {
	url    string
	svc    *ddb.Service
	db     *sqlite.DB
	client *dynamodb.Client
	path   string
	clock  *fakeClock

	closeFn func()
	sync    string
}

// fakeClock is a settable clock.
type fakeClock struct{ now atomicTime }

type atomicTime struct {
	ch chan time.Time
}

func newClock(t time.Time) *fakeClock {
	c := &fakeClock{now: atomicTime{ch: make(chan time.Time, 1)}}
	c.now.ch <- t
	return c
}

func (c *fakeClock) Now() time.Time {
	t := <-c.now.ch
	c.now.ch <- t
	return t
}

func (c *fakeClock) Set(t time.Time) {
	<-c.now.ch
	c.now.ch <- t
}

func setup(t testing.TB) *testBundle { return setupSync(t, "OFF") }

// setupSync is setup with the database's synchronous mode.
func setupSync(t testing.TB, sync string) *testBundle {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	tb := &testBundle{path: path, sync: sync, clock: newClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))}
	tb.open(t)
	return tb
}

// open (re)opens the database and service and serves them.
func (tb *testBundle) open(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, tb.path, sqlite.Options{Synchronous: tb.sync})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ddb.New(ddb.Config{DB: db, Account: account, Region: region, Now: tb.clock.Now, DisableTTL: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := ddb.NewHTTPHandler(svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rt awsproto.Router
	rt.HandleTarget(ddb.TargetPrefix, h)
	srv := httptest.NewServer(&rt)
	closed := false
	closeFn := func() {
		if closed {
			return
		}
		closed = true
		srv.Close()
		_ = svc.Close()
		_ = db.Close()
	}
	t.Cleanup(closeFn)
	tb.closeFn = closeFn
	tb.svc, tb.db, tb.url = svc, db, srv.URL
	tb.client = dynamodb.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
}

// createTable makes a table with a string partition key "pk" and, when
// sortType is set, a sort key "sk" of that type.
func (tb *testBundle) createTable(t testing.TB, name string, sortType types.ScalarAttributeType, extra ...func(*dynamodb.CreateTableInput)) {
	t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}
	if sortType != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: sortType})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	for _, f := range extra {
		f(in)
	}
	if _, err := tb.client.CreateTable(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}
