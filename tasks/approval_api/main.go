// Command approval_api is an API Gateway HTTP API Lambda (payload format
// 2.0) that serves approval links on AWS, where Stepflow's built-in
// approval service does not exist. It has the same contract, so the state
// machine and send_approval_request do not care which one serves them.
//
// Routes:
//
//	POST /approvals       mint links (JSON; protect the route with IAM
//	                      authorization: callers sign with SigV4)
//	GET  /approvals/{id}  ?d=approve|reject&s=sig: a page with ONE button;
//	                      ?s=sig: a page with both. GET changes nothing,
//	                      so mail scanners that fetch links decide nothing.
//	POST /approvals/{id}  form fields d and s: verify the signature and
//	                      the expiry, decide once, complete the task
//
// POST /approvals takes {"TaskToken", "ExecutionArn", "StateName",
// "Title", "Details", "ExpiresInSeconds"} (TaskToken and ExecutionArn
// required; ExpiresInSeconds 0 means 24 hours, at most 7 days) and answers
// {"ApprovalId", "ApproveUrl", "RejectUrl", "PageUrl", "ExpiresAt"}. The
// request, with its task token, is stored in APPROVALS_TABLE; the links
// carry only its id, the decision, and an HMAC-SHA256 signature keyed by
// APPROVAL_SECRET over id, decision and expiry.
//
// The first valid POST of a decision records it with a conditional update
// (attribute_not_exists(decision) AND expiresAt > now), so it is decided
// once however many people press, then completes the waiting task:
// SendTaskSuccess with {"approved": true, "approvalId", "decidedAt"}, or
// SendTaskFailure with the error ApprovalRejected. If Step Functions could
// not be reached, pressing again delivers the recorded decision.
//
// Answers: 200 pages; 404 unknown request; 403 tampered link; 410 expired,
// already decided, or the task no longer waits; 400 bad mint request
// ({"__type": "ValidationException", "message"}).
//
// Environment: APPROVALS_TABLE; APPROVAL_SECRET (at least 32 characters);
// PUBLIC_URL (optional: the links' base, e.g. https://approve.example.com;
// default https://<the API's domain>[/<stage>]).
package main

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/tasks/shared/awsenv"
	"github.com/stepflow/stepflow/tasks/shared/httpapi"
)

type handler struct {
	store   store
	tasks   tasks
	key     []byte
	baseURL string // "" to derive it from the request
	now     func() time.Time
	log     *slog.Logger
}

func (h *handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := httpapi.Method(req)
	rest, ok := strings.CutPrefix(httpapi.Path(req), "/approvals")
	switch {
	case !ok || (rest != "" && rest != "/" && !strings.HasPrefix(rest, "/")):
		return render(http.StatusNotFound, notFoundPage()), nil
	case rest == "" || rest == "/":
		if method != http.MethodPost {
			return jsonError(http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST /approvals to mint links"), nil
		}
		return h.mint(ctx, req), nil
	}
	id := strings.TrimPrefix(rest, "/")
	switch method {
	case http.MethodGet, http.MethodHead:
		return h.show(ctx, req, id), nil
	case http.MethodPost:
		return h.decide(ctx, req, id), nil
	}
	return render(http.StatusMethodNotAllowed, page{Heading: "Method not allowed", Tone: "bad",
		Lead: "Open the approval link in a browser and use the button on the page."}), nil
}

// open verifies a link and returns its request; on failure it returns
// the page to answer.
func (h *handler) open(ctx context.Context, id, decision, sig string) (Record, *events.APIGatewayV2HTTPResponse) {
	fail := func(status int, p page) (Record, *events.APIGatewayV2HTTPResponse) {
		resp := render(status, p)
		return Record{}, &resp
	}
	signed := decision
	switch decision {
	case decisionApprove, decisionReject:
	case "":
		signed = decisionPage
	default:
		return fail(http.StatusForbidden, tamperedPage())
	}
	if !validID(id) {
		return fail(http.StatusNotFound, notFoundPage())
	}
	r, err := h.store.Get(ctx, id)
	switch {
	case errors.Is(err, errNotFound):
		return fail(http.StatusNotFound, notFoundPage())
	case err != nil:
		h.log.Error("read_approval_failed", "approval_id", id, "err", err)
		return fail(http.StatusServiceUnavailable, errorPage())
	case !verify(h.key, id, signed, r.ExpiresAt, sig):
		return fail(http.StatusForbidden, tamperedPage())
	}
	return r, nil
}

// show serves GET /approvals/{id}: the request and its button(s).
func (h *handler) show(ctx context.Context, req events.APIGatewayV2HTTPRequest, id string) events.APIGatewayV2HTTPResponse {
	d := req.QueryStringParameters["d"]
	r, fail := h.open(ctx, id, d, req.QueryStringParameters["s"])
	if fail != nil {
		return *fail
	}
	undelivered := r.Decision != "" && r.Outcome == "" && (d == "" || d == r.Decision)
	if (r.Decision != "" && !undelivered) || (r.Decision == "" && !h.now().Before(time.Unix(r.ExpiresAt, 0))) {
		return render(http.StatusGone, closedPage(r))
	}
	p := page{Heading: "Approval requested", Request: describe(r)}
	p.Request.Expires = formatTime(time.Unix(r.ExpiresAt, 0))
	decisions := []string{d}
	switch {
	case undelivered:
		p.Heading = "Decision recorded, not yet delivered"
		p.Lead = "The decision to " + strings.ToLower(label(r.Decision)) + " was recorded, but the workflow could not be told yet. Press the button to try again."
		decisions = []string{r.Decision}
	case d == "":
		p.Lead = "A workflow is waiting for your decision. Choose one; it is final."
		decisions = []string{decisionApprove, decisionReject}
	default:
		p.Lead = "A workflow is waiting for your decision. Press the button to confirm it; it is final."
		p.Note = "Nothing happens until you press the button. To decide otherwise, use the other link in the message."
	}
	for _, dec := range decisions {
		p.Forms = append(p.Forms, pageForm{ID: r.ID, Decision: dec, Signature: sign(h.key, r.ID, dec, r.ExpiresAt), Label: label(dec)})
	}
	return render(http.StatusOK, p)
}

// decide serves POST /approvals/{id}: verify, record once, deliver.
func (h *handler) decide(ctx context.Context, req events.APIGatewayV2HTTPRequest, id string) events.APIGatewayV2HTTPResponse {
	body, err := httpapi.Body(req)
	form, ferr := url.ParseQuery(string(body))
	if err != nil || ferr != nil || len(body) > 16<<10 {
		return render(http.StatusBadRequest, page{Heading: "This request could not be read", Tone: "bad",
			Lead: "Open the approval link in a browser and use the button on the page. Nothing was changed."})
	}
	d, s := form.Get("d"), form.Get("s")
	if d == "" && s == "" { // a client POSTing the link itself
		d, s = req.QueryStringParameters["d"], req.QueryStringParameters["s"]
	}
	r, fail := h.open(ctx, id, d, s)
	if fail != nil {
		return *fail
	}
	if d == "" {
		return render(http.StatusBadRequest, page{Heading: "Choose Approve or Reject", Tone: "bad",
			Lead: "This link shows the request; open it in a browser and press one of its buttons. Nothing was changed."})
	}
	now := h.now()
	if r.Decision == "" {
		switch err := h.store.Decide(ctx, id, d, now); {
		case errors.Is(err, errNotOpen):
			if r, err = h.store.Get(ctx, id); err != nil {
				h.log.Error("read_approval_failed", "approval_id", id, "err", err)
				return render(http.StatusServiceUnavailable, errorPage())
			}
			return render(http.StatusGone, closedPage(r))
		case err != nil:
			h.log.Error("record_decision_failed", "approval_id", id, "err", err)
			return render(http.StatusServiceUnavailable, errorPage())
		}
		r.Decision, r.DecidedAt = d, now.UTC().Format(time.RFC3339)
		h.log.Info("approval_decided", "approval_id", id, "execution_arn", r.ExecutionArn, "decision", d)
	} else if r.Outcome != "" || r.Decision != d {
		return render(http.StatusGone, closedPage(r))
	}
	// Decided now, or earlier without reaching the task: deliver.
	outcome, problem, err := h.deliver(ctx, r)
	if err != nil {
		h.log.Error("deliver_decision_failed", "approval_id", id, "err", err)
		return render(http.StatusServiceUnavailable, page{Heading: "Decision recorded, not yet delivered", Tone: "bad",
			Lead:  "Your decision was recorded, but the workflow could not be told. Press the button again in a moment to retry.",
			Forms: []pageForm{{ID: r.ID, Decision: d, Signature: sign(h.key, r.ID, d, r.ExpiresAt), Label: label(d)}}})
	}
	if err := h.store.Finish(ctx, id, outcome, problem); err != nil {
		h.log.Error("record_outcome_failed", "approval_id", id, "err", err) // the task has the decision: still a success
	}
	r.Outcome = outcome
	if outcome == outcomeNotWaiting {
		return render(http.StatusGone, closedPage(r))
	}
	p := page{Tone: "ok", Request: describe(r), Note: "You can close this page. The links in the message no longer work."}
	if d == decisionApprove {
		p.Heading, p.Lead = "Approved", "Thank you: your approval was recorded and the workflow continues."
	} else {
		p.Heading, p.Lead = "Rejected", "Thank you: your rejection was recorded. The waiting state fails with "+rejectedError+", and the workflow handles that as it was built to."
	}
	return render(http.StatusOK, p)
}

func main() {
	env, err := awsenv.Require("APPROVALS_TABLE", "APPROVAL_SECRET")
	if err != nil {
		log.Fatal(err)
	}
	if len(env["APPROVAL_SECRET"]) < minKeyLen {
		log.Fatalf("APPROVAL_SECRET has %d characters; use at least %d random ones", len(env["APPROVAL_SECRET"]), minKeyLen)
	}
	cfg, err := awsenv.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{
		store:   &dynamoStore{db: dynamodb.NewFromConfig(cfg), name: env["APPROVALS_TABLE"]},
		tasks:   sfn.NewFromConfig(cfg),
		key:     []byte(env["APPROVAL_SECRET"]),
		baseURL: strings.TrimRight(os.Getenv("PUBLIC_URL"), "/"),
		now:     time.Now,
		log:     slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	}
	lambda.Start(h.handle)
}
