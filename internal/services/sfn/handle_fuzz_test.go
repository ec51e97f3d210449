package sfn_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/runner"
	"github.com/stepflow/stepflow/internal/services/sfn"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// FuzzHandle feeds every action arbitrary bodies, after the model
// validation awsproto does: no input may panic, and every refusal is an
// AWS API error, never an internal failure.
func FuzzHandle(f *testing.F) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	run, err := runner.New(runner.Config{Store: st, Account: account, Region: region})
	if err != nil {
		f.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		f.Fatal(err)
	}
	svc, err := sfn.New(sfn.Config{Store: st, Runner: run, Account: account, Region: region,
		ActivityPollTimeout: time.Millisecond, ActivityPollInterval: time.Millisecond, SyncTimeout: 100 * time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		svc.Close()
		run.Stop()
		_ = st.Close()
	})
	actions := sfn.Actions()
	sm := prefix + "stateMachine:fz"
	seeds := map[string]string{
		"CreateStateMachine":             `{"name":"fz","definition":` + jsonString(passDef) + `,"roleArn":"` + role + `","publish":true}`,
		"StartExecution":                 `{"stateMachineArn":"` + sm + `","input":"{\"a\":1}"}`,
		"StartSyncExecution":             `{"stateMachineArn":"` + sm + `"}`,
		"DescribeStateMachine":           `{"stateMachineArn":"` + sm + `:1"}`,
		"CreateStateMachineAlias":        `{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"` + sm + `:1","weight":100}]}`,
		"GetExecutionHistory":            `{"executionArn":"` + prefix + `execution:fz:x","reverseOrder":true,"nextToken":"aGlzdG9yeQ"}`,
		"ListExecutions":                 `{"stateMachineArn":"` + sm + `:live","statusFilter":"RUNNING"}`,
		"SendTaskSuccess":                `{"taskToken":"abcdefghijklmnopqrstuvwxyz","output":"{}"}`,
		"TestState":                      `{"definition":"{\"Type\":\"Pass\",\"End\":true}","input":"{}"}`,
		"ValidateStateMachineDefinition": `{"definition":"{}","maxResults":1}`,
		"UpdateStateMachine":             `{"stateMachineArn":"` + sm + `","definition":` + jsonString(passDef2) + `,"publish":true}`,
		"TagResource":                    `{"resourceArn":"` + sm + `","tags":[{"key":"k","value":"v"}]}`,
	}
	for i, a := range actions {
		body, ok := seeds[a]
		if !ok {
			body = `{}`
		}
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, action uint8, body []byte) {
		name := actions[int(action)%len(actions)]
		if awsproto.Validate("sfn", name, body) != nil {
			return // refused before the service sees it
		}
		_, err := svc.Handle(ctx, name, body)
		var apiErr *awsproto.Error
		if err != nil && !errors.As(err, &apiErr) {
			t.Fatalf("%s %s: internal error %v", name, body, err)
		}
	})
}
