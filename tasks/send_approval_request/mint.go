package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepflow/stepflow/tasks/shared/fault"
)

// MintRequest is the body of POST /approvals.
type MintRequest struct {
	TaskToken        string
	ExecutionArn     string
	StateName        string
	Title            string
	Details          string
	ExpiresInSeconds int64 `json:",omitempty"`
}

// Approval is the answer to POST /approvals.
type Approval struct {
	ApprovalId string
	ApproveUrl string
	RejectUrl  string
	PageUrl    string
	ExpiresAt  string // RFC 3339
}

// minter mints approval links.
type minter interface {
	// Mint stores the request and returns its links. Errors are named
	// for Step Functions (fault.TransientError, fault.ServiceError).
	Mint(ctx context.Context, r MintRequest) (Approval, error)
}

// httpMinter mints links with a SigV4-signed POST to an approval service.
type httpMinter struct {
	url         string
	client      *http.Client
	signer      *v4.Signer
	credentials aws.CredentialsProvider
	region      string
	now         func() time.Time
}

var _ minter = (*httpMinter)(nil)

// maxAnswer bounds the approval service's answer.
const maxAnswer = 64 << 10

// Mint implements minter.
func (m *httpMinter) Mint(ctx context.Context, r MintRequest) (Approval, error) {
	const op = "mint approval links"
	body, err := json.Marshal(r)
	if err != nil {
		return Approval{}, &fault.ServiceError{Op: op, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, bytes.NewReader(body))
	if err != nil {
		return Approval{}, &fault.ServiceError{Op: op, Err: fmt.Errorf("APPROVALS_URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := m.credentials.Retrieve(ctx)
	if err != nil {
		return Approval{}, &fault.ServiceError{Op: op, Err: fmt.Errorf("get credentials: %w", err)}
	}
	sum := sha256.Sum256(body)
	if err := m.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", m.region, m.now()); err != nil {
		return Approval{}, &fault.ServiceError{Op: op, Err: fmt.Errorf("sign: %w", err)}
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return Approval{}, &fault.TransientError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Approval{}, &fault.TransientError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("%s answered %s: %s", m.url, resp.Status, errorMessage(answer))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return Approval{}, &fault.TransientError{Op: op, Err: err}
		}
		return Approval{}, &fault.ServiceError{Op: op, Err: err}
	}
	var a Approval
	if err := json.Unmarshal(answer, &a); err != nil || a.ApprovalId == "" || a.ApproveUrl == "" || a.RejectUrl == "" {
		return Approval{}, &fault.ServiceError{Op: op, Err: errors.New("the approval service's answer lacks ApprovalId, ApproveUrl or RejectUrl")}
	}
	return a, nil
}

// errorMessage is the "message" of a JSON error answer, else the
// answer's start.
func errorMessage(answer []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(answer, &e) == nil && e.Message != "" {
		return e.Message
	}
	if len(answer) > 200 {
		answer = answer[:200]
	}
	return string(answer)
}
