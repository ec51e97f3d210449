package sfn

import (
	"context"
	"errors"
	"time"

	"github.com/stepflow/stepflow/internal/store"
)

// CreateActivity.

type createActivityInput struct {
	Name                    string      `json:"name"`
	Tags                    []tag       `json:"tags"`
	EncryptionConfiguration *encryption `json:"encryptionConfiguration"`
}

type createActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate epoch  `json:"creationDate"`
}

func (s *Service) createActivity(ctx context.Context, body []byte) (any, error) {
	var in createActivityInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName("name", in.Name); err != nil {
		return nil, err
	}
	if in.EncryptionConfiguration != nil {
		if err := checkEncryption(in.EncryptionConfiguration); err != nil {
			return nil, err
		}
	}
	tags, err := storeTags(in.Tags)
	if err != nil {
		return nil, err
	}
	a := store.Activity{Arn: s.activityARN(in.Name), Name: in.Name, CreationDate: s.now()}
	err = s.st.CreateActivity(ctx, a, tags)
	if errors.Is(err, store.ErrExists) {
		// CreateActivity is idempotent by name; later tags are ignored.
		a, err = s.st.GetActivity(ctx, a.Arn)
	}
	if err != nil {
		return nil, err
	}
	return createActivityOutput{ActivityArn: a.Arn, CreationDate: epoch(a.CreationDate)}, nil
}

// getActivity resolves an activity ARN.
func (s *Service) getActivity(ctx context.Context, raw string) (store.Activity, error) {
	return getByARN(ctx, raw, kindActivity, s.st.GetActivity, errActivityDoesNotExist)
}

// DescribeActivity.

type activityArnInput struct {
	ActivityArn string `json:"activityArn"`
}

type describeActivityOutput struct {
	ActivityArn             string      `json:"activityArn"`
	Name                    string      `json:"name"`
	CreationDate            epoch       `json:"creationDate"`
	EncryptionConfiguration *encryption `json:"encryptionConfiguration,omitempty"`
}

func (s *Service) describeActivity(ctx context.Context, body []byte) (any, error) {
	var in activityArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	a, err := s.getActivity(ctx, in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return describeActivityOutput{ActivityArn: a.Arn, Name: a.Name, CreationDate: epoch(a.CreationDate)}, nil
}

// DeleteActivity.

func (s *Service) deleteActivity(ctx context.Context, body []byte) (any, error) {
	var in activityArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	a, err := parseARN(in.ActivityArn)
	if err != nil {
		return nil, err
	}
	if err := a.wantKind(kindActivity); err != nil {
		return nil, err
	}
	if err := s.st.DeleteActivity(ctx, in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return empty{}, nil
}

// ListActivities.

type activityListItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate epoch  `json:"creationDate"`
}

type listActivitiesOutput struct {
	Activities []activityListItem `json:"activities"`
	NextToken  string             `json:"nextToken,omitempty"`
}

const tokenActivities = "activity"

func (s *Service) listActivities(ctx context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, after, err := page(in, tokenActivities)
	if err != nil {
		return nil, err
	}
	as, next, err := s.st.ListActivities(ctx, limit, after)
	if err != nil {
		return nil, listError(err)
	}
	out := listActivitiesOutput{Activities: make([]activityListItem, 0, len(as)), NextToken: encodeToken(tokenActivities, next)}
	for _, a := range as {
		out.Activities = append(out.Activities, activityListItem{ActivityArn: a.Arn, Name: a.Name, CreationDate: epoch(a.CreationDate)})
	}
	return out, nil
}

// GetActivityTask.

type getActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
}

type getActivityTaskOutput struct {
	TaskToken string  `json:"taskToken,omitempty"`
	Input     *string `json:"input,omitempty"`
}

// getActivityTask long-polls for a task of the activity: it leases the
// oldest waiting one, or answers with none after ActivityPollTimeout.
func (s *Service) getActivityTask(ctx context.Context, body []byte) (any, error) {
	var in getActivityTaskInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.WorkerName) > maxNameLen {
		return nil, errTooLong("workerName", in.WorkerName, maxNameLen, false)
	}
	if _, err := s.getActivity(ctx, in.ActivityArn); err != nil {
		return nil, err
	}
	deadline := time.NewTimer(s.cfg.ActivityPollTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(s.cfg.ActivityPollInterval)
	defer tick.Stop()
	for {
		t, err := s.st.LeaseActivityTask(ctx, in.ActivityArn)
		if err == nil {
			// The history records the worker taking the task; a task whose
			// execution has ended meanwhile is skipped.
			if err := s.cfg.Runner.ActivityStarted(ctx, t.Token, in.WorkerName); err != nil {
				s.log.Debug("activity_task_skipped", "activity_arn", in.ActivityArn, "err", err)
				continue
			}
			input := t.Input
			return getActivityTaskOutput{TaskToken: t.Token, Input: &input}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return getActivityTaskOutput{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.ctx.Done():
			return getActivityTaskOutput{}, nil
		}
	}
}
