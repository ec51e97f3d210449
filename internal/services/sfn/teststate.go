package sfn

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/teststate"
)

type testStateInput struct {
	Definition         *string             `json:"definition"`
	RoleArn            string              `json:"roleArn"`
	Input              *string             `json:"input"`
	InspectionLevel    string              `json:"inspectionLevel"`
	RevealSecrets      bool                `json:"revealSecrets"`
	Variables          *string             `json:"variables"`
	StateName          string              `json:"stateName"`
	Mock               *testStateMock      `json:"mock"`
	Context            *string             `json:"context"`
	StateConfiguration *testStateStateConf `json:"stateConfiguration"`
}

type testStateMock struct {
	Result      *string `json:"result"`
	ErrorOutput *struct {
		Error string `json:"error"`
		Cause string `json:"cause"`
	} `json:"errorOutput"`
	FieldValidationMode string `json:"fieldValidationMode"`
}

type testStateStateConf struct {
	RetrierRetryCount        *int64  `json:"retrierRetryCount"`
	ErrorCausedByState       string  `json:"errorCausedByState"`
	MapIterationFailureCount *int64  `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
}

func (s *Service) testState(ctx context.Context, body []byte) (any, error) {
	var in testStateInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Definition == nil {
		return nil, errNull("definition")
	}
	switch in.InspectionLevel {
	case "", teststate.LevelInfo, teststate.LevelDebug, teststate.LevelTrace:
	default:
		return nil, errEnum("inspectionLevel", in.InspectionLevel, teststate.LevelInfo, teststate.LevelDebug, teststate.LevelTrace)
	}
	req := teststate.Request{
		Definition: *in.Definition, RoleArn: in.RoleArn, InspectionLevel: in.InspectionLevel,
		RevealSecrets: in.RevealSecrets, StateName: in.StateName, Account: s.cfg.Account, Region: s.cfg.Region,
		Now: s.now(),
	}
	if in.Input != nil {
		req.Input = *in.Input
	}
	if in.Variables != nil {
		req.Variables = *in.Variables
	}
	if in.Context != nil {
		req.Context = *in.Context
	}
	if m := in.Mock; m != nil {
		req.Mock = &teststate.Mock{Result: m.Result, FieldValidationMode: m.FieldValidationMode}
		if m.ErrorOutput != nil {
			req.Mock.ErrorOutput = &teststate.MockError{Error: m.ErrorOutput.Error, Cause: m.ErrorOutput.Cause}
		}
	}
	if c := in.StateConfiguration; c != nil {
		req.StateConfiguration = &teststate.StateConfiguration{
			RetrierRetryCount: c.RetrierRetryCount, ErrorCausedByState: c.ErrorCausedByState,
			MapIterationFailureCount: c.MapIterationFailureCount, MapItemReaderData: c.MapItemReaderData,
		}
	}
	resp, err := teststate.Run(ctx, req)
	var apiErr *teststate.APIError
	switch {
	case errors.As(err, &apiErr):
		return nil, apiError(apiErr.Code, apiErr.Message)
	case errors.Is(err, teststate.ErrUnsupported):
		return nil, apiError(CodeNotImplemented, "Stepflow cannot evaluate this TestState request: "+err.Error())
	case err != nil:
		return nil, err
	}
	return json.RawMessage(jsonv.Append(nil, resp)), nil
}
