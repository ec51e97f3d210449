package iam

import (
	"context"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// rootCreated is the CreateDate of the account's root user.
var rootCreated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// getUser answers for the caller: Stepflow has no IAM users, so the
// caller is the account's root user, as AWS answers for root credentials
// (the Terraform provider reads the account ID from its ARN). Temporary
// credentials (ASIA...) get AWS's error for non-user credentials; a
// UserName names no user.
func (s *Service) getUser(ctx context.Context, input []byte) (any, error) {
	var in struct{ UserName string }
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	if in.UserName != "" {
		return nil, newErr(CodeNoSuchEntity, "The user with name "+in.UserName+" cannot be found.")
	}
	if cred, ok := awsproto.CredentialFrom(ctx); ok && strings.HasPrefix(cred.AccessKey, "ASIA") {
		return nil, errValidation("Must specify userName when calling with non-User credentials")
	}
	type user struct {
		UserId     string
		Arn        string
		CreateDate isoTime
	}
	return struct{ User user }{user{UserId: s.cfg.Account, Arn: "arn:aws:iam::" + s.cfg.Account + ":root", CreateDate: isoTime(rootCreated)}}, nil
}
