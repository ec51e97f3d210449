package scheduler

import "context"

// PendingAttempts returns the attempts recorded in the database for each
// delivery in progress, oldest scheduled first: what a restart resumes
// from.
func (s *Service) PendingAttempts(ctx context.Context) ([]int, error) {
	ds, err := s.loadDeliveries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.attempts
	}
	return out, nil
}
