package iam_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const lambdaBasic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

func TestInlinePolicies(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createRole(t, "r")
	for _, n := range []string{"write", "read"} {
		if _, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(n),
			PolicyDocument: aws.String(s3Policy)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := tb.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	doc := aws.ToString(got.PolicyDocument)
	// RFC 3986: spaces and newlines percent-encoded too.
	if !strings.HasPrefix(doc, "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22") {
		t.Errorf("PolicyDocument = %q, want it URL-encoded", doc)
	}
	if dec, _ := url.QueryUnescape(doc); dec != s3Policy {
		t.Errorf("decoded = %q, want the document as written", dec)
	}
	if aws.ToString(got.RoleName) != "r" || aws.ToString(got.PolicyName) != "read" {
		t.Errorf("GetRolePolicy = %+v", got)
	}
	list, err := tb.client.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("r")})
	if err != nil || strings.Join(list.PolicyNames, ",") != "read,write" {
		t.Errorf("ListRolePolicies = %+v, %v", list, err)
	}
	// Putting again replaces the document.
	if _, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read")})
	if dec, _ := url.QueryUnescape(aws.ToString(got.PolicyDocument)); dec != `{"Statement":[]}` {
		t.Errorf("after replace: %s", dec)
	}
	if _, err := tb.client.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read")}); err != nil {
		t.Fatal(err)
	}
	runErrorCases(t, []errorCase{
		{"get deleted", func() error {
			_, err := tb.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read")})
			return err
		}, "NoSuchEntity", 404, "The role policy with name read cannot be found."},
		{"delete deleted", func() error {
			_, err := tb.client.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("read")})
			return err
		}, "NoSuchEntity", 404, "The role policy with name read cannot be found."},
		{"put on missing role", func() error {
			_, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("nope"), PolicyName: aws.String("p"), PolicyDocument: aws.String(s3Policy)})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"malformed", func() error {
			_, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Statement":`)})
			return err
		}, "MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"not an object", func() error {
			_, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`[1]`)})
			return err
		}, "MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"list on missing role", func() error {
			_, err := tb.client.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, ""},
	})
	list, _ = tb.client.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("r")})
	if strings.Join(list.PolicyNames, ",") != "write" {
		t.Errorf("after errors: %v", list.PolicyNames)
	}
}

var policyIDPattern = regexp.MustCompile(`^ANPA[A-Z0-9]{17}$`)

func TestManagedPolicyLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{
		PolicyName: aws.String("reader"), Path: aws.String("/app/"), PolicyDocument: aws.String(s3Policy),
		Description: aws.String("reads"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Policy
	arn := aws.ToString(p.Arn)
	if arn != "arn:aws:iam::111111111111:policy/app/reader" || !policyIDPattern.MatchString(aws.ToString(p.PolicyId)) ||
		aws.ToString(p.DefaultVersionId) != "v1" || !p.IsAttachable || aws.ToInt32(p.AttachmentCount) != 0 || aws.ToString(p.Path) != "/app/" {
		t.Errorf("CreatePolicy = %+v", p)
	}
	got, err := tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Policy.PolicyId) != aws.ToString(p.PolicyId) || aws.ToString(got.Policy.Description) != "reads" ||
		len(got.Policy.Tags) != 1 || !got.Policy.CreateDate.Equal(*p.CreateDate) {
		t.Errorf("GetPolicy = %+v", got.Policy)
	}
	v1, err := tb.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(aws.ToString(v1.PolicyVersion.Document)); dec != s3Policy || !v1.PolicyVersion.IsDefaultVersion {
		t.Errorf("GetPolicyVersion = %+v (%s)", v1.PolicyVersion, dec)
	}

	doc2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	cv, err := tb.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc2), SetAsDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cv.PolicyVersion.VersionId) != "v2" || !cv.PolicyVersion.IsDefaultVersion || cv.PolicyVersion.Document != nil {
		t.Errorf("CreatePolicyVersion = %+v", cv.PolicyVersion)
	}
	got, _ = tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToString(got.Policy.DefaultVersionId) != "v2" {
		t.Errorf("DefaultVersionId = %s", aws.ToString(got.Policy.DefaultVersionId))
	}
	if _, err := tb.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc2)}); err != nil {
		t.Fatal(err)
	}
	lv, err := tb.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range lv.Versions {
		s := aws.ToString(v.VersionId)
		if v.IsDefaultVersion {
			s += "*"
		}
		vs = append(vs, s)
	}
	if got := strings.Join(vs, ","); got != "v3,v2*,v1" {
		t.Errorf("ListPolicyVersions = %s", got)
	}
	if _, err := tb.client.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")}); err != nil {
		t.Fatal(err)
	}

	// Tags.
	if _, err := tb.client.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UntagPolicy(ctx, &awsiam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := tb.client.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if err != nil || tagString(lt.Tags) != "a=b" {
		t.Errorf("ListPolicyTags = %+v, %v", lt, err)
	}

	lp, err := tb.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if err != nil || len(lp.Policies) != 1 || aws.ToString(lp.Policies[0].Arn) != arn {
		t.Errorf("ListPolicies = %+v, %v", lp, err)
	}

	// Deleting: versions first, the default one goes with the policy.
	runErrorCases(t, []errorCase{
		{"delete default version", func() error {
			_, err := tb.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
			return err
		}, "DeleteConflict", 409, "Cannot delete the default version of a policy."},
		{"delete with versions", func() error {
			_, err := tb.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
			return err
		}, "DeleteConflict", 409, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."},
		{"missing version", func() error {
			_, err := tb.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
			return err
		}, "NoSuchEntity", 404, "Policy " + arn + " version v9 does not exist or is not attachable."},
		{"duplicate name", func() error {
			_, err := tb.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("READER"), PolicyDocument: aws.String(s3Policy)})
			return err
		}, "EntityAlreadyExists", 409, "A policy called READER already exists. Duplicate names are not allowed."},
		{"malformed", func() error {
			_, err := tb.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("x"), PolicyDocument: aws.String("{")})
			return err
		}, "MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"get missing", func() error {
			_, err := tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::111111111111:policy/nope")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::111111111111:policy/nope does not exist or is not attachable."},
		{"bad arn", func() error {
			_, err := tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:s3:::bucket/policy")})
			return err
		}, "InvalidInput", 400, "ARN arn:aws:s3:::bucket/policy is not valid."},
	})
	for _, v := range []string{"v1", "v2"} {
		if _, err := tb.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tb.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
}

func TestPolicyVersionLimit(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	arn := tb.createPolicy(t, "p")
	for range 4 {
		if _, err := tb.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3Policy)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tb.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3Policy)})
	wantAPIError(t, err, "LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createRole(t, "r")
	mine := tb.createPolicy(t, "mine")
	for _, arn := range []string{lambdaBasic, mine, lambdaBasic} {
		if _, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatalf("attach %s: %v", arn, err)
		}
	}
	list, err := tb.client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range list.AttachedPolicies {
		got = append(got, aws.ToString(p.PolicyName)+"="+aws.ToString(p.PolicyArn))
	}
	if want := "AWSLambdaBasicExecutionRole=" + lambdaBasic + ",mine=" + mine; strings.Join(got, ",") != want {
		t.Errorf("ListAttachedRolePolicies = %v, want %s", got, want)
	}
	// AWS managed policies read as existing.
	gp, err := tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(lambdaBasic)})
	if err != nil || aws.ToString(gp.Policy.PolicyName) != "AWSLambdaBasicExecutionRole" || aws.ToString(gp.Policy.Path) != "/service-role/" ||
		aws.ToInt32(gp.Policy.AttachmentCount) != 1 || !policyIDPattern.MatchString(aws.ToString(gp.Policy.PolicyId)) {
		t.Errorf("GetPolicy(AWS managed) = %+v, %v", gp, err)
	}
	gv, err := tb.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(lambdaBasic), VersionId: aws.String("v1")})
	if dec, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); err != nil || !strings.Contains(dec, "logs:PutLogEvents") {
		t.Errorf("GetPolicyVersion(AWS managed) = %s, %v", dec, err)
	}
	ents, err := tb.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(mine)})
	if err != nil || len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "r" {
		t.Errorf("ListEntitiesForPolicy = %+v, %v", ents, err)
	}
	lp, err := tb.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(lp.Policies) != 2 {
		t.Errorf("ListPolicies(OnlyAttached) = %+v, %v", lp, err)
	}
	_, err = tb.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(mine)})
	wantAPIError(t, err, "DeleteConflict", 409, "Cannot delete a policy attached to entities.")

	runErrorCases(t, []errorCase{
		{"attach missing policy", func() error {
			_, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::111111111111:policy/nope")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::111111111111:policy/nope does not exist or is not attachable."},
		{"attach to missing role", func() error {
			_, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("nope"), PolicyArn: aws.String(lambdaBasic)})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"attach bad arn", func() error {
			_, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:role/x")})
			return err
		}, "InvalidInput", 400, "ARN arn:aws:iam::aws:role/x is not valid."},
		{"detach not attached", func() error {
			_, err := tb.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found."},
	})
	for _, arn := range []string{lambdaBasic, mine} {
		if _, err := tb.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	list, _ = tb.client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
	if len(list.AttachedPolicies) != 0 {
		t.Errorf("after detach: %+v", list.AttachedPolicies)
	}
	if _, err := tb.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
}

func TestAttachLimit(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createRole(t, "r")
	for i := range 10 {
		arn := "arn:aws:iam::aws:policy/P" + string(rune('a'+i))
		if _, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/Pz")})
	wantAPIError(t, err, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10")
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.client.GetUser(ctx, &awsiam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.User.Arn) != "arn:aws:iam::111111111111:root" || aws.ToString(out.User.UserId) != account {
		t.Errorf("GetUser = %+v", out.User)
	}
	_, err = tb.client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("bob")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The user with name bob cannot be found.")
	_, err = newClient(tb.url, "ASIAEXAMPLEEXAMPLE12").GetUser(ctx, &awsiam.GetUserInput{})
	wantAPIError(t, err, "ValidationError", 400, "Must specify userName when calling with non-User credentials")
}

func TestSurvivesReopen(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	created := tb.createRole(t, "r")
	arn := tb.createPolicy(t, "p")
	if _, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(s3Policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("r"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	tb.reopen(t)
	got, err := tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Role.RoleId) != aws.ToString(created.Role.RoleId) || !got.Role.CreateDate.Equal(*created.Role.CreateDate) ||
		aws.ToString(got.Role.AssumeRolePolicyDocument) != aws.ToString(created.Role.AssumeRolePolicyDocument) || tagString(got.Role.Tags) != "k=v" {
		t.Errorf("after reopen: %+v", got.Role)
	}
	ap, err := tb.client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
	if err != nil || len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyArn) != arn {
		t.Errorf("attachments after reopen: %+v, %v", ap, err)
	}
	rp, err := tb.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("inline")})
	if dec, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument)); err != nil || dec != s3Policy {
		t.Errorf("inline policy after reopen: %s, %v", dec, err)
	}
	gv, err := tb.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if dec, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); err != nil || dec != s3Policy {
		t.Errorf("policy version after reopen: %s, %v", dec, err)
	}
}
