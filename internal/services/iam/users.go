package iam

import (
	"context"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/query"
)

// rootCreated is the CreateDate of the account's root user.
var rootCreated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// getUser answers for the caller: Stepflow has no IAM users, so the
// caller is the account's root user, as AWS answers for root credentials
// (the Terraform provider reads the account ID from its ARN). Temporary
// credentials (ASIA...) get AWS's error for non-user credentials; a
// UserName names no user.
func (s *Service) getUser(ctx context.Context, in struct{ UserName string }) (any, error) {
	if in.UserName != "" {
		return nil, newErr(CodeNoSuchEntity, "The user with name "+in.UserName+" cannot be found.")
	}
	if cred, ok := awsproto.CredentialFrom(ctx); ok && strings.HasPrefix(cred.AccessKey, "ASIA") {
		return nil, query.ValidationError("Must specify userName when calling with non-User credentials")
	}
	type user struct {
		UserId     string
		Arn        string
		CreateDate query.Timestamp
	}
	return struct{ User user }{user{UserId: s.cfg.Account, Arn: "arn:aws:iam::" + s.cfg.Account + ":root", CreateDate: query.Timestamp(rootCreated)}}, nil
}
