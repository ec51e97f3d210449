package sfn

import (
	"context"
	"time"

	"github.com/stepflow/stepflow/internal/store"
)

// ExpressStart is an asynchronous EXPRESS execution that was accepted and
// has not ended: what it takes to run it again from its start.
type ExpressStart struct {
	Arn, Name                         string
	StateMachineArn, StateMachineName string
	VersionArn, AliasArn, RoleArn     string
	Definition, Input                 string
	StartDate                         time.Time
}

// ExpressLog keeps the asynchronous EXPRESS executions that have not ended,
// so a restart runs them again: EXPRESS executions are at-least-once, as on
// AWS. Add must be durable when it returns.
type ExpressLog interface {
	Add(ctx context.Context, e ExpressStart) error
	Remove(ctx context.Context, arn string) error
	List(ctx context.Context) ([]ExpressStart, error)
}

// RecoverExpress runs again every asynchronous EXPRESS execution that had
// not ended when Stepflow last stopped. Call it once, after New.
func (s *Service) RecoverExpress(ctx context.Context) (int, error) {
	if s.cfg.Express == nil {
		return 0, nil
	}
	pending, err := s.cfg.Express.List(ctx)
	if err != nil {
		return 0, err
	}
	for _, e := range pending {
		t := target{
			machine:    store.StateMachine{Arn: e.StateMachineArn, Name: e.StateMachineName},
			definition: e.Definition, roleArn: e.RoleArn, versionArn: e.VersionArn, aliasArn: e.AliasArn,
		}
		s.log.Info("express_execution_resumed", "execution_arn", e.Arn)
		s.runExpressAsync(t, e.Arn, e.Name, e.Input, e.StartDate)
	}
	return len(pending), nil
}
