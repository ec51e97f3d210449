package teststate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/jsonv"
)

// ConformanceRoleArn is the role ARN the conformance adapter sends when a
// recorded request carried one (the recording shows only a placeholder).
const ConformanceRoleArn = "arn:aws:iam::" + DefaultAccount + ":role/stepflow-conformance-role"

// ConformanceFunc runs a recorded test_state or test_state_error case
// through Run, answering with the TestState response or the API error
// response. Task states without a mock are reported as
// conformance.ErrUnsupported.
func ConformanceFunc(ctx context.Context, c *conformance.Case) (jsonv.Value, error) {
	req, err := CaseRequest(c)
	if err != nil {
		return nil, err
	}
	resp, err := Run(ctx, req)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		return conformance.ErrorResponse(apiErr.Code, apiErr.Message), nil
	case errors.Is(err, ErrUnsupported):
		return nil, fmt.Errorf("%w: %w", conformance.ErrUnsupported, err)
	case err != nil:
		return nil, err
	}
	return resp, nil
}

// CaseRequest builds the TestState request a recorded case sent.
func CaseRequest(c *conformance.Case) (Request, error) {
	req := Request{Definition: c.Definition}
	if c.Input != nil {
		req.Input = *c.Input
	}
	req.InspectionLevel, _ = c.RequestString("inspectionLevel")
	req.StateName, _ = c.RequestString("stateName")
	req.Variables, _ = c.RequestString("variables")
	req.Context, _ = c.RequestString("context")
	if role, ok := c.RequestString("roleArn"); ok && role != "" {
		if strings.HasPrefix(role, "arn:") {
			req.RoleArn = role
		} else {
			req.RoleArn = ConformanceRoleArn
		}
	}
	if v, ok := c.Request.Get("revealSecrets"); ok {
		req.RevealSecrets = v == true
	}
	if mv, ok := c.Request.Get("mock"); ok {
		mo, isObj := mv.(*jsonv.Object)
		if !isObj {
			return req, fmt.Errorf("case %s: mock is not an object", c.ID)
		}
		m := &Mock{}
		if r, ok := mo.Get("result"); ok {
			s, _ := r.(string)
			m.Result = &s
		}
		if eo, ok := mo.Get("errorOutput"); ok {
			o, _ := eo.(*jsonv.Object)
			m.ErrorOutput = &MockError{Error: str(o, "error"), Cause: str(o, "cause")}
		}
		m.FieldValidationMode = str(mo, "fieldValidationMode")
		req.Mock = m
	}
	if sv, ok := c.Request.Get("stateConfiguration"); ok {
		so, _ := sv.(*jsonv.Object)
		sc := &StateConfiguration{ErrorCausedByState: str(so, "errorCausedByState")}
		if n, ok := get(so, "retrierRetryCount").(jsonv.Number); ok {
			if i, ok := n.Int64(); ok {
				sc.RetrierRetryCount = &i
			}
		}
		if n, ok := get(so, "mapIterationFailureCount").(jsonv.Number); ok {
			if i, ok := n.Int64(); ok {
				sc.MapIterationFailureCount = &i
			}
		}
		if s, ok := get(so, "mapItemReaderData").(string); ok {
			sc.MapItemReaderData = &s
		}
		req.StateConfiguration = sc
	}
	return req, nil
}
