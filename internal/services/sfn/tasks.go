package sfn

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// maxTaskTokenLen is the longest task token the model takes.
const maxTaskTokenLen = 2048

type sendTaskSuccessInput struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
}

type sendTaskFailureInput struct {
	TaskToken string  `json:"taskToken"`
	Error     *string `json:"error"`
	Cause     *string `json:"cause"`
}

type taskTokenInput struct {
	TaskToken string `json:"taskToken"`
}

func checkTaskToken(token string) error {
	switch {
	case token == "":
		return errTooShort("taskToken", token, 1)
	case len(token) > maxTaskTokenLen:
		return errTooLong("taskToken", token, maxTaskTokenLen, false)
	}
	return nil
}

// taskError maps the runner's callback errors to AWS's.
func taskError(err error) error {
	switch {
	case errors.Is(err, runner.ErrInvalidToken):
		return errInvalidToken("Invalid token")
	case errors.Is(err, runner.ErrTaskTimedOut):
		return apiError(CodeTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	}
	return err
}

func (s *Service) sendTaskSuccess(ctx context.Context, body []byte) (any, error) {
	var in sendTaskSuccessInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	if in.Output == nil {
		return nil, errNull("output")
	}
	if len(*in.Output) > maxPayload {
		return nil, errTooLong("output", *in.Output, maxPayload, true)
	}
	out, err := jsonv.ParseString(*in.Output)
	if err != nil {
		return nil, apiError(CodeInvalidOutput, "Invalid State Machine Execution Output: '"+err.Error()+"'")
	}
	if err := s.run.SendTaskSuccess(ctx, in.TaskToken, out); err != nil {
		return nil, taskError(err)
	}
	return empty{}, nil
}

func (s *Service) sendTaskFailure(ctx context.Context, body []byte) (any, error) {
	var in sendTaskFailureInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	errName, cause, err := checkErrorCause(in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	if err := s.run.SendTaskFailure(ctx, in.TaskToken, errName, cause); err != nil {
		return nil, taskError(err)
	}
	return empty{}, nil
}

func (s *Service) sendTaskHeartbeat(ctx context.Context, body []byte) (any, error) {
	var in taskTokenInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.run.SendTaskHeartbeat(ctx, in.TaskToken); err != nil {
		return nil, taskError(err)
	}
	return empty{}, nil
}
