package consoletest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/console"
)

// OrderFlow is the demo's main definition: a Task with Retry and Catch, a
// Parallel, a Choice, a callback (.waitForTaskToken) approval, a Map and a
// Fail.
const OrderFlow = `{
  "Comment": "Orders: validate, reserve stock and charge in parallel, ask a person above 500, ship each item, e-mail the customer.",
  "StartAt": "Validate",
  "States": {
    "Validate": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "validate-order", "Payload.$": "$"},
      "ResultSelector": {"order.$": "$.Payload"},
      "OutputPath": "$.order",
      "Assign": {"orderId.$": "$.Payload.id"},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}],
      "Catch": [{"ErrorEquals": ["InvalidOrder"], "ResultPath": "$.error", "Next": "Rejected"}],
      "Next": "Prepare"
    },
    "Prepare": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Reserve", "States": {"Reserve": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "stock", "Item": {"id": {"S.$": "$.id"}}}, "End": true}}},
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "End": true}}}
      ],
      "ResultPath": "$.prepared",
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
      "Next": "NeedsApproval"
    },
    "NeedsApproval": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.total", "NumericGreaterThan": 500, "Next": "WaitForApproval"}],
      "Default": "ShipItems"
    },
    "WaitForApproval": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "request-approval", "Payload": {"token.$": "$$.Task.Token", "order.$": "$"}},
      "ResultPath": "$.approval",
      "Catch": [{"ErrorEquals": ["ApprovalRejected"], "ResultPath": "$.error", "Next": "Rejected"}],
      "Next": "ShipItems"
    },
    "ShipItems": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "MaxConcurrency": 10,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Ship",
        "States": {"Ship": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "http://127.0.0.1:8083/111111111111/shipping", "MessageBody.$": "$"}, "End": true}}
      },
      "ResultPath": "$.shipments",
      "Next": "Notify"
    },
    "Notify": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:sesv2:sendEmail",
      "Parameters": {"FromEmailAddress": "shop@example.com", "Destination": {"ToAddresses.$": "States.Array($.email)"}, "Content": {"Simple": {"Subject": {"Data": "Your order"}, "Body": {"Text": {"Data": "It is on its way."}}}}},
      "ResultPath": null,
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"},
    "Refund": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "refund", "Payload.$": "$"}, "ResultPath": null, "Next": "Failed"},
    "Rejected": {"Type": "Pass", "Result": "rejected", "ResultPath": "$.status", "Next": "Failed"},
    "Failed": {"Type": "Fail", "Error": "OrderFailed", "Cause": "The order could not be completed."}
  }
}`

// Hello is a small definition for started executions.
const Hello = `{
  "StartAt": "Greet",
  "States": {
    "Greet": {"Type": "Pass", "Result": {"greeting": "hello"}, "ResultPath": "$.result", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

// Fanout is a definition whose Map state runs distributed: each item is a
// child execution of the map run labelled Work.
const Fanout = `{
  "Comment": "Checks each item in a child execution of its own.",
  "StartAt": "CheckItems",
  "States": {
    "CheckItems": {
      "Type": "Map",
      "Label": "Work",
      "ItemsPath": "$.items",
      "MaxConcurrency": 2,
      "ToleratedFailureCount": 1,
      "ItemProcessor": ` + FanoutItemProcessor + `,
      "ResultPath": "$.checked",
      "Next": "Summarize"
    },
    "Summarize": {"Type": "Pass", "End": true}
  }
}`

// FanoutItemProcessor is the ItemProcessor of Fanout's Map state: the
// definition its child executions run.
const FanoutItemProcessor = `{
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Check",
        "States": {
          "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": false, "Next": "Reject"}], "Default": "Process"},
          "Process": {"Type": "Wait", "Seconds": 30, "Next": "Done"},
          "Done": {"Type": "Succeed"},
          "Reject": {"Type": "Fail", "Error": "BadItem", "Cause": "The item is not ok."}
        }
      }`

// The demo's distributed Map: ExecFanout runs map run FanoutMapRunID,
// labelled FanoutLabel, whose five children are named Child1 … Child5
// (two succeeded, one failed, two running).
const (
	ExecFanout     = "fanout-0001" // RUNNING: its Map state's map run is running
	FanoutLabel    = "Work"
	FanoutMapRunID = "9f1e2d3c-4b5a-4697-8877-665544332211"
	Child1         = "0b6c5a1e-1111-4c4c-9d9d-000000000001" // SUCCEEDED
	Child2         = "0b6c5a1e-2222-4c4c-9d9d-000000000002" // SUCCEEDED
	Child3         = "0b6c5a1e-3333-4c4c-9d9d-000000000003" // FAILED: BadItem
	Child4         = "0b6c5a1e-4444-4c4c-9d9d-000000000004" // RUNNING in Process
	Child5         = "0b6c5a1e-5555-4c4c-9d9d-000000000005" // RUNNING in Process
)

// Demo execution names, for tests.
const (
	ExecSucceeded = "order-1001" // SUCCEEDED through every main state
	ExecCaught    = "order-1002" // FAILED: Validate retried, then its Catch went to Rejected and Failed
	ExecWaiting   = "order-1003" // RUNNING: WaitForApproval waits for a callback and an approval
	ExecMap50     = "order-1004" // SUCCEEDED: ShipItems ran 50 iterations
	ExecParallel  = "order-1005" // FAILED: Charge failed, Prepare caught it, Refund, Failed
	ExecRunning   = "hello-slow" // RUNNING in Pause until Finish
	// WaitingToken is the task token ExecWaiting waits on.
	WaitingToken = "AQCEAAAAKgAAAAMAAAAAAAAAAZ0demo-token-order-1003"
	// HelloCount is how many small hello executions the demo has (enough
	// for two pages of 50).
	HelloCount = 60
)

// New returns a Fake with the demo data, its times relative to the clock
// now (time.Now when nil).
func New(now func() time.Time) *Fake {
	f := &Fake{Now: now}
	t0 := f.now().Add(-2 * time.Hour).Truncate(time.Second)
	role := "arn:aws:iam::" + Account + ":role/stepflow"
	order := SMArn("order-flow")
	f.AddStateMachine(console.StateMachineDetail{
		StateMachine: console.StateMachine{Arn: order, Name: "order-flow", Type: "STANDARD", CreationDate: t0.Add(-72 * time.Hour), LatestVersion: "2", Aliases: []string{"prod"}},
		Status:       "ACTIVE", Definition: OrderFlow, RoleArn: role, Description: "Order processing",
		Versions: []console.Version{
			{Arn: order + ":2", Number: "2", Description: "approval above 500", CreationDate: t0.Add(-24 * time.Hour)},
			{Arn: order + ":1", Number: "1", Description: "first release", CreationDate: t0.Add(-70 * time.Hour)},
		},
		AliasList: []console.Alias{{Arn: order + ":prod", Name: "prod", Description: "what customers hit", CreationDate: t0.Add(-24 * time.Hour),
			Routing: []console.Route{{VersionArn: order + ":2", Weight: 100}}}},
	})
	f.AddStateMachine(console.StateMachineDetail{
		StateMachine: console.StateMachine{Arn: SMArn("hello"), Name: "hello", Type: "STANDARD", CreationDate: t0.Add(-48 * time.Hour)},
		Status:       "ACTIVE", Definition: Hello, RoleArn: role,
	})
	f.AddStateMachine(console.StateMachineDetail{
		StateMachine: console.StateMachine{Arn: SMArn("echo-express"), Name: "echo-express", Type: "EXPRESS", CreationDate: t0.Add(-47 * time.Hour)},
		Status:       "ACTIVE", Definition: `{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}}`, RoleArn: role,
	})

	for i := 0; i < HelloCount; i++ {
		start := t0.Add(time.Duration(i) * time.Minute)
		input := fmt.Sprintf(`{"n": %d}`, i)
		out := fmt.Sprintf(`{"n":%d,"result":{"greeting":"hello"}}`, i)
		h := NewHistory(start)
		h.Add(0, "ExecutionStarted", map[string]any{"input": input, "inputDetails": map[string]bool{"truncated": false}, "roleArn": role})
		id := h.Enter(1, "Pass", "Greet", input)
		id = h.Exit(id, "Pass", "Greet", out)
		id = h.Enter(id, "Wait", "Pause", out)
		h.Wait(time.Second)
		id = h.Exit(id, "Wait", "Pause", out)
		id = h.Enter(id, "Succeed", "Done", out)
		id = h.Exit(id, "Succeed", "Done", out)
		h.Add(id, "ExecutionSucceeded", map[string]any{"output": out, "outputDetails": map[string]bool{"truncated": false}})
		f.AddExecution(execOf("hello", fmt.Sprintf("hello-%02d", i), Hello, "SUCCEEDED", input, out, start, h.At), h)
	}
	{ // hello-slow: running in Pause.
		start := f.now().Add(-5 * time.Second)
		input := `{"n": 99, "slow": true}`
		h := NewHistory(start)
		h.Add(0, "ExecutionStarted", map[string]any{"input": input, "inputDetails": map[string]bool{"truncated": false}, "roleArn": role})
		id := h.Enter(1, "Pass", "Greet", input)
		id = h.Exit(id, "Pass", "Greet", input)
		h.Enter(id, "Wait", "Pause", input)
		f.AddExecution(execOf("hello", ExecRunning, Hello, "RUNNING", input, "", start, time.Time{}), h)
	}

	f.AddStateMachine(console.StateMachineDetail{
		StateMachine: console.StateMachine{Arn: SMArn("fanout"), Name: "fanout", Type: "STANDARD", CreationDate: t0.Add(-46 * time.Hour)},
		Status:       "ACTIVE", Definition: Fanout, RoleArn: role, Description: "Distributed Map",
	})

	f.addOrders(t0.Add(90*time.Minute), role)
	f.addFanout(t0.Add(100*time.Minute), role)

	f.emails = []console.Email{
		{ID: "0100018e-a1", From: "shop@example.com", To: []string{"ann@example.com"}, Subject: "Your order 1001", Date: t0.Add(91 * time.Minute), Status: "stored", Link: "/outbox/0100018e-a1"},
		{ID: "0100018e-a2", From: "approvals@example.com", To: []string{"boss@example.com"}, Subject: "Approve order 1003 (EUR 900)?", Date: t0.Add(95 * time.Minute), Status: "stored", Link: "/outbox/0100018e-a2"},
		{ID: "0100018e-a3", From: "shop@example.com", To: []string{"bob@example.com", "ops@example.com"}, Subject: "Your order 1004", Date: t0.Add(97 * time.Minute), Status: "relayed", Link: "/outbox/0100018e-a3"},
	}
	shipping := "http://127.0.0.1:8083/" + Account + "/shipping"
	f.queues = []console.Queue{
		{Name: "shipping", URL: shipping, Visible: 3, InFlight: 1, Delayed: 0},
		{Name: "shipping-dlq", URL: "http://127.0.0.1:8083/" + Account + "/shipping-dlq", Visible: 0},
		{Name: "events.fifo", URL: "http://127.0.0.1:8083/" + Account + "/events.fifo", Visible: 1, Delayed: 2},
	}
	f.messages = map[string][]console.QueueMessage{shipping: {
		{MessageID: "5fea7756-0ea4-451a-a703-a558b933e274", Body: `{"sku":"book-17","qty":1,"order":"1004"}`, SentAt: t0.Add(97 * time.Minute), ReceiveCount: 0},
		{MessageID: "8a0b6a5c-3d6e-4b1f-9f0c-2e1d9c7b6a55", Body: `{"sku":"pen-2","qty":3,"order":"1004"}`, SentAt: t0.Add(97 * time.Minute), ReceiveCount: 1},
		{MessageID: "c2f1e0d9-8b7a-4c6d-5e4f-3a2b1c0d9e8f", Body: `not JSON, plain text`, SentAt: t0.Add(98 * time.Minute)},
	}}
	tomorrow := f.now().UTC().Truncate(24 * time.Hour).Add(26 * time.Hour)
	f.schedules = []console.Schedule{
		{Group: "default", Name: "nightly-report", Expression: "cron(0 2 * * ? *)", Timezone: "UTC", State: "ENABLED", NextFire: tomorrow, Target: SMArn("hello")},
		{Group: "orders", Name: "retry-stuck", Expression: "rate(15 minutes)", State: "ENABLED", NextFire: f.now().Add(7 * time.Minute).Truncate(time.Second), Target: order},
		{Group: "orders", Name: "launch", Expression: "at(2030-01-01T00:00:00)", State: "DISABLED", Target: order},
	}
	f.functions = []console.Function{
		{Name: "validate-order", Arn: "arn:aws:lambda:us-east-1:" + Account + ":function:validate-order", Runtime: "provided.al2023", Handler: "bootstrap", State: "Active", LastModified: t0.Add(-3 * time.Hour), MemoryMB: 128, TimeoutSec: 10},
		{Name: "charge", Arn: "arn:aws:lambda:us-east-1:" + Account + ":function:charge", Runtime: "provided.al2023", Handler: "bootstrap", State: "Active", LastModified: t0.Add(-3 * time.Hour), MemoryMB: 256, TimeoutSec: 30},
		{Name: "request-approval", Arn: "arn:aws:lambda:us-east-1:" + Account + ":function:request-approval", Runtime: "provided.al2023", Handler: "bootstrap", State: "Active", LastModified: t0.Add(-3 * time.Hour), MemoryMB: 128, TimeoutSec: 10},
	}
	f.invocations = map[string][]console.Invocation{
		"validate-order": {
			{RequestID: "3f1c9a52-6c1e-4f0e-9b8a-1d2c3e4f5a6b", Start: t0.Add(95 * time.Minute), Duration: 12 * time.Millisecond, Status: "Success",
				Log: "START RequestId: 3f1c9a52 Version: $LATEST\nvalidated order 1003: 2 items, total 900\nEND RequestId: 3f1c9a52\nREPORT RequestId: 3f1c9a52 Duration: 12.31 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 18 MB"},
			{RequestID: "9d8e7f6a-5b4c-4d3e-2f1a-0b9c8d7e6f5a", Start: t0.Add(92 * time.Minute), Duration: 3 * time.Millisecond, Status: "InvalidOrder", Error: `{"errorType":"InvalidOrder","errorMessage":"order 1002 has no items"}`,
				Log: "START RequestId: 9d8e7f6a Version: $LATEST\norder 1002 has no items\nEND RequestId: 9d8e7f6a"},
		},
	}
	return f
}

// execOf builds an execution record.
func execOf(sm, name, def, status, input, output string, start, stop time.Time) console.Execution {
	var e console.Execution
	e.Arn, e.Name, e.StateMachineArn, e.StateMachineName = ExecArn(sm, name), name, SMArn(sm), sm
	e.Status, e.StartDate, e.StopDate, e.Input, e.Output, e.Definition = status, start, stop, input, output, def
	e.StateMachineType = "STANDARD"
	return e
}

// addOrders adds the order-flow executions.
func (f *Fake) addOrders(t time.Time, role string) {
	started := func(h *History, input string) int64 {
		return h.Add(0, "ExecutionStarted", map[string]any{"input": input, "inputDetails": map[string]bool{"truncated": false}, "roleArn": role})
	}
	// validate runs Validate successfully and returns the exit id.
	validate := func(h *History, prev int64, in, order, id string) int64 {
		prev = h.Enter(prev, "Task", "Validate", in)
		prev = h.Task(prev, "lambda:invoke", `{"FunctionName":"validate-order","Payload":`+in+`}`)
		prev = h.TaskOK(prev, "lambda:invoke", `{"Payload":`+order+`,"StatusCode":200}`)
		return h.Exit(prev, "Task", "Validate", order, "orderId", `"`+id+`"`)
	}
	prepare := func(h *History, prev int64, order string) (int64, string) {
		prev = h.Enter(prev, "Parallel", "Prepare", order)
		started := h.Add(prev, "ParallelStateStarted", nil)
		a := h.Enter(started, "Task", "Reserve", order)
		b := h.Enter(started, "Task", "Charge", order)
		a = h.Task(a, "dynamodb:putItem", `{"TableName":"stock"}`)
		b = h.Task(b, "lambda:invoke", `{"FunctionName":"charge"}`)
		a = h.TaskOK(a, "dynamodb:putItem", `{}`)
		a = h.Exit(a, "Task", "Reserve", `{}`)
		b = h.TaskOK(b, "lambda:invoke", `{"Payload":{"charged":true},"StatusCode":200}`)
		b = h.Exit(b, "Task", "Charge", `{"Payload":{"charged":true},"StatusCode":200}`)
		s := h.Add(b, "ParallelStateSucceeded", nil)
		out := strings.TrimSuffix(order, "}") + `,"prepared":[{},{"Payload":{"charged":true},"StatusCode":200}]}`
		return h.Exit(s, "Parallel", "Prepare", out), out
	}
	ship := func(h *History, prev int64, data string, n int) (int64, string) {
		prev = h.Enter(prev, "Map", "ShipItems", data)
		prev = h.Add(prev, "MapStateStarted", map[string]any{"length": n})
		last := prev
		for i := 0; i < n; i++ {
			item := fmt.Sprintf(`{"sku":"item-%d","qty":1}`, i)
			it := h.Add(last, "MapIterationStarted", map[string]any{"name": "ShipItems", "index": i})
			s := h.Enter(it, "Task", "Ship", item)
			s = h.Task(s, "sqs:sendMessage", `{"QueueUrl":"http://127.0.0.1:8083/111111111111/shipping"}`)
			s = h.TaskOK(s, "sqs:sendMessage", `{"MessageId":"m-`+strconv.Itoa(i)+`"}`)
			s = h.Exit(s, "Task", "Ship", `{"MessageId":"m-`+strconv.Itoa(i)+`"}`)
			h.Add(s, "MapIterationSucceeded", map[string]any{"name": "ShipItems", "index": i})
			last = s
		}
		prev = h.Add(last, "MapStateSucceeded", nil)
		out := strings.TrimSuffix(data, "}") + `,"shipments":[…]}`
		return h.Exit(prev, "Map", "ShipItems", out), out
	}
	notify := func(h *History, prev int64, data string) int64 {
		prev = h.Enter(prev, "Task", "Notify", data)
		prev = h.Task(prev, "sesv2:sendEmail", `{"FromEmailAddress":"shop@example.com"}`)
		prev = h.TaskOK(prev, "sesv2:sendEmail", `{"MessageId":"0100018e-a1"}`)
		prev = h.Exit(prev, "Task", "Notify", data)
		prev = h.Enter(prev, "Succeed", "Done", data)
		return h.Exit(prev, "Succeed", "Done", data)
	}
	items := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"sku":"item-%d","qty":1}`, i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}

	// order-1001: succeeded, total 120, three items.
	{
		in := `{"id": "1001", "email": "ann@example.com", "total": 120, "items": ` + items(3) + `}`
		order := `{"id":"1001","email":"ann@example.com","total":120,"items":` + items(3) + `}`
		h := NewHistory(t)
		p := started(h, in)
		p = validate(h, p, in, order, "1001")
		p, data := prepare(h, p, order)
		p = h.Enter(p, "Choice", "NeedsApproval", data)
		p = h.Exit(p, "Choice", "NeedsApproval", data)
		p, data = ship(h, p, data, 3)
		p = notify(h, p, data)
		h.Add(p, "ExecutionSucceeded", map[string]any{"output": data, "outputDetails": map[string]bool{"truncated": false}})
		f.AddExecution(execOf("order-flow", ExecSucceeded, OrderFlow, "SUCCEEDED", in, data, t, h.At), h)
	}
	// order-1002: Validate retried once, then InvalidOrder caught → Rejected → Failed.
	{
		st := t.Add(2 * time.Minute)
		in := `{"id": "1002", "email": "carl@example.com", "total": 0, "items": []}`
		h := NewHistory(st)
		p := started(h, in)
		p = h.Enter(p, "Task", "Validate", in)
		p = h.Task(p, "lambda:invoke", `{"FunctionName":"validate-order"}`)
		p = h.TaskFail(p, "lambda:invoke", "Lambda.ServiceException", "Rate exceeded")
		h.Wait(time.Second)
		p = h.Task(p, "lambda:invoke", `{"FunctionName":"validate-order"}`)
		p = h.TaskFail(p, "lambda:invoke", "InvalidOrder", `{"errorMessage":"order 1002 has no items","errorType":"InvalidOrder"}`)
		withErr := `{"id":"1002","email":"carl@example.com","total":0,"items":[],"error":{"Error":"InvalidOrder","Cause":"{\"errorMessage\":\"order 1002 has no items\",\"errorType\":\"InvalidOrder\"}"}}`
		p = h.Exit(p, "Task", "Validate", withErr)
		p = h.Enter(p, "Pass", "Rejected", withErr)
		rejected := strings.TrimSuffix(withErr, "}") + `,"status":"rejected"}`
		p = h.Exit(p, "Pass", "Rejected", rejected)
		p = h.Enter(p, "Fail", "Failed", rejected)
		h.Add(p, "ExecutionFailed", map[string]any{"error": "OrderFailed", "cause": "The order could not be completed."})
		e := execOf("order-flow", ExecCaught, OrderFlow, "FAILED", in, "", st, h.At)
		e.Error, e.Cause, e.RedriveStatus = "OrderFailed", "The order could not be completed.", "REDRIVABLE"
		f.AddExecution(e, h)
	}
	// order-1003: waiting for approval (callback + approval link).
	{
		st := t.Add(5 * time.Minute)
		in := `{"id": "1003", "email": "dora@example.com", "total": 900, "items": ` + items(2) + `}`
		order := `{"id":"1003","email":"dora@example.com","total":900,"items":` + items(2) + `}`
		h := NewHistory(st)
		p := started(h, in)
		p = validate(h, p, in, order, "1003")
		p, data := prepare(h, p, order)
		p = h.Enter(p, "Choice", "NeedsApproval", data)
		p = h.Exit(p, "Choice", "NeedsApproval", data)
		p = h.Enter(p, "Task", "WaitForApproval", data)
		h.Task(p, "lambda:invoke.waitForTaskToken", `{"FunctionName":"request-approval","Payload":{"token":"`+WaitingToken+`"}}`)
		e := execOf("order-flow", ExecWaiting, OrderFlow, "RUNNING", in, "", st, time.Time{})
		f.AddExecution(e, h, console.Callback{TaskToken: WaitingToken, StateName: "WaitForApproval", Resource: "lambda:invoke.waitForTaskToken", Since: h.At})
		f.AddApproval(console.Approval{ID: "apr-1003", ExecutionArn: e.Arn, StateName: "WaitForApproval", Title: "Approve order 1003 (EUR 900)?", Status: "PENDING",
			Created: h.At, Expires: h.At.Add(24 * time.Hour),
			ApproveURL: "/approvals/apr-1003?d=approve&s=demo", RejectURL: "/approvals/apr-1003?d=reject&s=demo"})
	}
	// order-1004: a Map of 50 items.
	{
		st := t.Add(7 * time.Minute)
		in := `{"id": "1004", "email": "bob@example.com", "total": 300, "items": ` + items(50) + `}`
		order := `{"id":"1004","email":"bob@example.com","total":300,"items":` + items(50) + `}`
		h := NewHistory(st)
		h.Step = 5 * time.Millisecond
		p := started(h, in)
		p = validate(h, p, in, order, "1004")
		p, data := prepare(h, p, order)
		p = h.Enter(p, "Choice", "NeedsApproval", data)
		p = h.Exit(p, "Choice", "NeedsApproval", data)
		p, data = ship(h, p, data, 50)
		p = notify(h, p, data)
		h.Add(p, "ExecutionSucceeded", map[string]any{"output": data, "outputDetails": map[string]bool{"truncated": false}})
		f.AddExecution(execOf("order-flow", ExecMap50, OrderFlow, "SUCCEEDED", in, data, st, h.At), h)
	}
	// order-1005: Charge fails inside the Parallel; Prepare catches it.
	{
		st := t.Add(9 * time.Minute)
		in := `{"id": "1005", "email": "eve@example.com", "total": 80, "items": ` + items(1) + `}`
		order := `{"id":"1005","email":"eve@example.com","total":80,"items":` + items(1) + `}`
		h := NewHistory(st)
		p := started(h, in)
		p = validate(h, p, in, order, "1005")
		p = h.Enter(p, "Parallel", "Prepare", order)
		s := h.Add(p, "ParallelStateStarted", nil)
		a := h.Enter(s, "Task", "Reserve", order)
		b := h.Enter(s, "Task", "Charge", order)
		a = h.Task(a, "dynamodb:putItem", `{"TableName":"stock"}`)
		b = h.Task(b, "lambda:invoke", `{"FunctionName":"charge"}`)
		a = h.TaskOK(a, "dynamodb:putItem", `{}`)
		h.Exit(a, "Task", "Reserve", `{}`)
		b = h.TaskFail(b, "lambda:invoke", "PaymentDeclined", "card declined")
		pf := h.Add(b, "ParallelStateFailed", nil)
		withErr := strings.TrimSuffix(order, "}") + `,"error":{"Error":"PaymentDeclined","Cause":"card declined"}}`
		p = h.Exit(pf, "Parallel", "Prepare", withErr)
		p = h.Enter(p, "Task", "Refund", withErr)
		p = h.Task(p, "lambda:invoke", `{"FunctionName":"refund"}`)
		p = h.TaskOK(p, "lambda:invoke", `{"Payload":{},"StatusCode":200}`)
		p = h.Exit(p, "Task", "Refund", withErr)
		p = h.Enter(p, "Fail", "Failed", withErr)
		h.Add(p, "ExecutionFailed", map[string]any{"error": "OrderFailed", "cause": "The order could not be completed."})
		e := execOf("order-flow", ExecParallel, OrderFlow, "FAILED", in, "", st, h.At)
		e.Error, e.Cause = "OrderFailed", "The order could not be completed."
		f.AddExecution(e, h)
	}
	f.AddApproval(console.Approval{ID: "apr-0999", ExecutionArn: ExecArn("order-flow", "order-0999"), StateName: "WaitForApproval", Title: "Approve order 999 (EUR 700)?", Status: "APPROVED",
		Created: t.Add(-30 * time.Minute), Expires: t.Add(23 * time.Hour)})
}

// addFanout adds ExecFanout, its map run and its children.
func (f *Fake) addFanout(t time.Time, role string) {
	items := `[{"id":1,"ok":true},{"id":2,"ok":true},{"id":3,"ok":false},{"id":4,"ok":true},{"id":5,"ok":true}]`
	in := `{"items": ` + items + `}`
	mapRun := MapRunArn("fanout", FanoutLabel, FanoutMapRunID)
	h := NewHistory(t)
	p := h.Add(0, "ExecutionStarted", map[string]any{"input": in, "inputDetails": map[string]bool{"truncated": false}, "roleArn": role})
	p = h.Enter(p, "Map", "CheckItems", in)
	p = h.Add(p, "MapStateStarted", map[string]any{"length": 5})
	h.Add(p, "MapRunStarted", map[string]any{"mapRunArn": mapRun})
	f.AddExecution(execOf("fanout", ExecFanout, Fanout, "RUNNING", in, "", t, time.Time{}), h)
	f.AddMapRun(console.MapRun{Arn: mapRun, ExecutionArn: ExecArn("fanout", ExecFanout), StateMachineArn: SMArn("fanout") + "/" + FanoutLabel,
		Status: "RUNNING", StartDate: h.At, MaxConcurrency: 2, ToleratedFailureCount: 1, ItemsTotal: 5, Definition: FanoutItemProcessor})

	children := []struct {
		name, item, status string
	}{
		{Child1, `{"id":1,"ok":true}`, "SUCCEEDED"},
		{Child2, `{"id":2,"ok":true}`, "SUCCEEDED"},
		{Child3, `{"id":3,"ok":false}`, "FAILED"},
		{Child4, `{"id":4,"ok":true}`, "RUNNING"},
		{Child5, `{"id":5,"ok":true}`, "RUNNING"},
	}
	start := h.At.Add(50 * time.Millisecond)
	for i, c := range children {
		st := start.Add(time.Duration(i) * 2 * time.Second)
		ch := NewHistory(st)
		p := ch.Add(0, "ExecutionStarted", map[string]any{"input": c.item, "inputDetails": map[string]bool{"truncated": false}, "roleArn": role})
		p = ch.Enter(p, "Choice", "Check", c.item)
		var e console.Execution
		switch c.status {
		case "FAILED":
			p = ch.Exit(p, "Choice", "Check", c.item)
			p = ch.Enter(p, "Fail", "Reject", c.item)
			ch.Add(p, "ExecutionFailed", map[string]any{"error": "BadItem", "cause": "The item is not ok."})
			e = execOf("fanout", c.name, FanoutItemProcessor, c.status, c.item, "", st, ch.At)
			e.Error, e.Cause, e.RedriveStatus = "BadItem", "The item is not ok.", "NOT_REDRIVABLE"
		case "SUCCEEDED":
			p = ch.Exit(p, "Choice", "Check", c.item)
			p = ch.Enter(p, "Wait", "Process", c.item)
			ch.Wait(time.Second)
			p = ch.Exit(p, "Wait", "Process", c.item)
			p = ch.Enter(p, "Succeed", "Done", c.item)
			p = ch.Exit(p, "Succeed", "Done", c.item)
			ch.Add(p, "ExecutionSucceeded", map[string]any{"output": c.item, "outputDetails": map[string]bool{"truncated": false}})
			e = execOf("fanout", c.name, FanoutItemProcessor, c.status, c.item, c.item, st, ch.At)
		default:
			p = ch.Exit(p, "Choice", "Check", c.item)
			ch.Enter(p, "Wait", "Process", c.item)
			e = execOf("fanout", c.name, FanoutItemProcessor, c.status, c.item, "", st, time.Time{})
		}
		e.Arn = ChildArn("fanout", FanoutLabel, c.name)
		e.StateMachineArn, e.StateMachineName = SMArn("fanout")+"/"+FanoutLabel, "fanout/"+FanoutLabel
		e.MapRunArn, e.ItemCount = mapRun, 1
		f.AddExecution(e, ch)
	}
}
