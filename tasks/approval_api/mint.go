package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stepflow/stepflow/tasks/shared/httpapi"
)

// Limits of a mint request (those of Stepflow's built-in service).
const (
	maxMintBody      = 64 << 10
	defaultTTL       = 24 * time.Hour
	maxTTL           = 7 * 24 * time.Hour
	maxTokenLen      = 2048
	maxArnLen        = 2048
	maxStateNameLen  = 80
	maxTitleLen      = 256
	maxDetailsLen    = 8192
	defaultTitle     = "Approval requested"
	retentionSeconds = 30 * 24 * 3600
)

// mintRequest is the body of POST /approvals.
type mintRequest struct {
	TaskToken        string
	ExecutionArn     string
	StateName        string
	Title            string
	Details          string
	ExpiresInSeconds int64
}

// mintResponse is the answer to POST /approvals.
type mintResponse struct {
	ApprovalId string
	ApproveUrl string
	RejectUrl  string
	PageUrl    string
	ExpiresAt  string // RFC 3339, UTC
}

// mint serves POST /approvals.
func (h *handler) mint(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	body, err := httpapi.Body(req)
	if err != nil {
		return jsonError(http.StatusBadRequest, "ValidationException", "the body is not valid base64")
	}
	if len(body) > maxMintBody {
		return jsonError(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "the body is larger than 64 KiB: shorten Details")
	}
	m, err := decodeMint(body)
	if err != nil {
		return jsonError(http.StatusBadRequest, "ValidationException", err.Error())
	}
	id, err := newID()
	if err != nil {
		h.log.Error("mint_failed", "err", err)
		return jsonError(http.StatusInternalServerError, "InternalFailure", "could not generate an approval id")
	}
	now := h.now()
	ttl := time.Duration(m.ExpiresInSeconds) * time.Second
	if ttl == 0 {
		ttl = defaultTTL
	}
	exp := now.Add(ttl).Unix()
	r := Record{
		ID: id, Token: m.TaskToken, ExecutionArn: m.ExecutionArn, StateName: m.StateName, Title: m.Title, Details: m.Details,
		CreatedAt: now.UTC().Format(time.RFC3339), ExpiresAt: exp, TTL: exp + retentionSeconds,
	}
	if err := h.store.Create(ctx, r); err != nil {
		h.log.Error("store_approval_failed", "err", err)
		return jsonError(http.StatusServiceUnavailable, "ServiceUnavailable", "could not store the approval request; try again")
	}
	h.log.Info("approval_created", "approval_id", id, "execution_arn", m.ExecutionArn, "state", m.StateName)
	base := h.base(req)
	return httpapi.JSON(http.StatusOK, mintResponse{
		ApprovalId: id,
		ApproveUrl: base + link(h.key, id, decisionApprove, exp),
		RejectUrl:  base + link(h.key, id, decisionReject, exp),
		PageUrl:    base + link(h.key, id, decisionPage, exp),
		ExpiresAt:  time.Unix(exp, 0).UTC().Format(time.RFC3339),
	})
}

// base is the links' base URL: PUBLIC_URL, else the API's own address.
func (h *handler) base(req events.APIGatewayV2HTTPRequest) string {
	if h.baseURL != "" {
		return h.baseURL
	}
	host := req.RequestContext.DomainName
	if host == "" {
		host = httpapi.Header(req, "host")
	}
	scheme := "https"
	if p := httpapi.Header(req, "x-forwarded-proto"); p == "http" {
		scheme = p
	}
	base := scheme + "://" + host
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		base += "/" + st
	}
	return base
}

// decodeMint parses and checks a POST /approvals body; its error says
// what to change.
func decodeMint(body []byte) (mintRequest, error) {
	const fields = "TaskToken, ExecutionArn, StateName, Title, Details, ExpiresInSeconds"
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m mintRequest
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "ExpiresInSeconds":
			return m, errors.New("ExpiresInSeconds must be a whole number of seconds")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return m, fmt.Errorf("%s is not a field of an approval request; the fields are %s", strings.TrimPrefix(err.Error(), "json: unknown field "), fields)
		}
		return m, fmt.Errorf("the body must be a JSON object with %s", fields)
	}
	if _, err := dec.Token(); err != io.EOF {
		return m, errors.New("the body must hold one JSON object")
	}
	switch {
	case m.TaskToken == "":
		return m, errors.New("TaskToken is required: pass the waiting task's token ($$.Task.Token)")
	case len(m.TaskToken) > maxTokenLen:
		return m, fmt.Errorf("TaskToken is longer than %d characters", maxTokenLen)
	case !strings.HasPrefix(m.ExecutionArn, "arn:"):
		return m, errors.New("ExecutionArn is required and must be an ARN: pass $$.Execution.Id")
	case len(m.ExecutionArn) > maxArnLen:
		return m, fmt.Errorf("ExecutionArn is longer than %d characters", maxArnLen)
	case utf8.RuneCountInString(m.StateName) > maxStateNameLen:
		return m, fmt.Errorf("StateName has more than %d characters", maxStateNameLen)
	case utf8.RuneCountInString(m.Title) > maxTitleLen:
		return m, fmt.Errorf("Title has more than %d characters: put the rest in Details", maxTitleLen)
	case utf8.RuneCountInString(m.Details) > maxDetailsLen:
		return m, fmt.Errorf("Details has more than %d characters", maxDetailsLen)
	case m.ExpiresInSeconds < 0:
		return m, errors.New("ExpiresInSeconds must be positive, or 0 for the default of 86400 (24 hours)")
	case m.ExpiresInSeconds > int64(maxTTL/time.Second):
		return m, fmt.Errorf("ExpiresInSeconds %d is longer than the maximum of %d (7 days)", m.ExpiresInSeconds, int64(maxTTL/time.Second))
	}
	if strings.TrimSpace(m.Title) == "" {
		m.Title = defaultTitle
	}
	return m, nil
}

// jsonError is an AWS-style JSON error answer.
func jsonError(status int, code, message string) events.APIGatewayV2HTTPResponse {
	return httpapi.JSON(status, struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
}
