package iam_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

var roleIDPattern = regexp.MustCompile(`^AROA[A-Z0-9]{17}$`)

func TestRoleLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName:                 aws.String("lambda-exec"),
		Path:                     aws.String("/service-role/"),
		AssumeRolePolicyDocument: aws.String(trustPolicy),
		Description:              aws.String("runs the functions"),
		Tags:                     []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if !roleIDPattern.MatchString(aws.ToString(r.RoleId)) {
		t.Errorf("RoleId = %q, want AROA + 17 uppercase characters", aws.ToString(r.RoleId))
	}
	if got, want := aws.ToString(r.Arn), "arn:aws:iam::111111111111:role/service-role/lambda-exec"; got != want {
		t.Errorf("Arn = %s, want %s", got, want)
	}
	if got := aws.ToString(r.Path); got != "/service-role/" {
		t.Errorf("Path = %s", got)
	}
	if got := aws.ToInt32(r.MaxSessionDuration); got != 3600 {
		t.Errorf("MaxSessionDuration = %d, want 3600", got)
	}
	if !r.CreateDate.Equal(tb.clock.Now()) {
		t.Errorf("CreateDate = %v, want %v", r.CreateDate, tb.clock.Now())
	}
	// The trust policy comes back URL-encoded, as IAM returns it.
	doc := aws.ToString(r.AssumeRolePolicyDocument)
	if strings.Contains(doc, "{") || !strings.HasPrefix(doc, "%7B%22Version%22%3A") {
		t.Errorf("AssumeRolePolicyDocument = %q, want it URL-encoded", doc)
	}
	if dec, err := url.QueryUnescape(doc); err != nil || dec != trustPolicy {
		t.Errorf("decoded document = %q (%v), want %q", dec, err, trustPolicy)
	}

	got, err := tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("lambda-exec")})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Role
	if aws.ToString(g.RoleId) != aws.ToString(r.RoleId) || aws.ToString(g.Arn) != aws.ToString(r.Arn) ||
		aws.ToString(g.AssumeRolePolicyDocument) != doc || aws.ToString(g.Description) != "runs the functions" ||
		!g.CreateDate.Equal(*r.CreateDate) || aws.ToInt32(g.MaxSessionDuration) != 3600 {
		t.Errorf("GetRole = %+v, want what CreateRole returned %+v", g, r)
	}
	if g.RoleLastUsed == nil || g.RoleLastUsed.LastUsedDate != nil {
		t.Errorf("RoleLastUsed = %+v, want empty", g.RoleLastUsed)
	}
	if len(g.Tags) != 1 || aws.ToString(g.Tags[0].Key) != "team" || aws.ToString(g.Tags[0].Value) != "core" {
		t.Errorf("Tags = %+v", g.Tags)
	}

	// Updates are echoed by the next read.
	if _, err := tb.client.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("lambda-exec"),
		Description: aws.String("new"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	newTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := tb.client.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("lambda-exec"),
		PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("lambda-exec"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("TEAM"), Value: aws.String("edge")}}}); err != nil {
		t.Fatal(err)
	}
	got, err = tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("lambda-exec")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Role.Description) != "new" || aws.ToInt32(got.Role.MaxSessionDuration) != 7200 {
		t.Errorf("after UpdateRole: %+v", got.Role)
	}
	if dec, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); dec != newTrust {
		t.Errorf("after UpdateAssumeRolePolicy: %s", dec)
	}
	tags, err := tb.client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("lambda-exec")})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagString(tags.Tags); got != "TEAM=edge,env=dev" {
		t.Errorf("ListRoleTags = %s (tag keys compare without case)", got)
	}
	if _, err := tb.client.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("lambda-exec"), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = tb.client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("lambda-exec")})
	if got := tagString(tags.Tags); got != "env=dev" {
		t.Errorf("after UntagRole: %s", got)
	}

	ip, err := tb.client.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("lambda-exec")})
	if err != nil || len(ip.InstanceProfiles) != 0 || ip.IsTruncated {
		t.Errorf("ListInstanceProfilesForRole = %+v, %v", ip, err)
	}

	list, err := tb.client.ListRoles(ctx, &awsiam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Roles) != 1 || aws.ToString(list.Roles[0].RoleName) != "lambda-exec" || list.Roles[0].Tags != nil {
		t.Errorf("ListRoles = %+v", list.Roles)
	}

	if _, err := tb.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("lambda-exec")}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("lambda-exec")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The role with name lambda-exec cannot be found.")
}

func tagString(tags []types.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	sortStrings(parts)
	return strings.Join(parts, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestRoleErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createRole(t, "taken")
	tb.createRole(t, "attached")
	if _, err := tb.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("attached"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}); err != nil {
		t.Fatal(err)
	}
	tb.createRole(t, "inline")
	if _, err := tb.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("inline"),
		PolicyName: aws.String("p"), PolicyDocument: aws.String(s3Policy)}); err != nil {
		t.Fatal(err)
	}
	runErrorCases(t, []errorCase{
		{"duplicate", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("taken"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, "EntityAlreadyExists", 409, "Role with name taken already exists."},
		{"duplicate other case", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("TAKEN"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, "EntityAlreadyExists", 409, "Role with name TAKEN already exists."},
		{"bad trust policy", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":`)})
			return err
		}, "MalformedPolicyDocument", 400, "This policy contains invalid Json"},
		{"name too long", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, "ValidationError", 400, "1 validation error detected: Value '" + strings.Repeat("r", 65) + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bad name", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("a b"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, "ValidationError", 400, ""},
		{"session too long", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("long"), AssumeRolePolicyDocument: aws.String(trustPolicy), MaxSessionDuration: aws.Int32(50000)})
			return err
		}, "ValidationError", 400, "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"missing boundary", func() error {
			_, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bounded"), AssumeRolePolicyDocument: aws.String(trustPolicy),
				PermissionsBoundary: aws.String("arn:aws:iam::111111111111:policy/nope")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::111111111111:policy/nope does not exist or is not attachable."},
		{"get missing", func() error {
			_, err := tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"delete missing", func() error {
			_, err := tb.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"delete attached", func() error {
			_, err := tb.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("attached")})
			return err
		}, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first."},
		{"delete with inline policy", func() error {
			_, err := tb.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("inline")})
			return err
		}, "DeleteConflict", 409, "Cannot delete entity, must delete policies first."},
		{"update missing", func() error {
			_, err := tb.client.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"update trust bad json", func() error {
			_, err := tb.client.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("taken"), PolicyDocument: aws.String("nope")})
			return err
		}, "MalformedPolicyDocument", 400, "This policy contains invalid Json"},
		{"tag missing", func() error {
			_, err := tb.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("nope"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"duplicate tag keys", func() error {
			_, err := tb.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("taken"), Tags: []types.Tag{
				{Key: aws.String("k"), Value: aws.String("v")}, {Key: aws.String("K"), Value: aws.String("w")}}})
			return err
		}, "InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"list tags missing", func() error {
			_, err := tb.client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, ""},
		{"instance profiles missing", func() error {
			_, err := tb.client.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, ""},
	})
	// Nothing changed.
	list, err := tb.client.ListRoles(ctx, &awsiam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range list.Roles {
		names = append(names, aws.ToString(r.RoleName))
	}
	if got := strings.Join(names, ","); got != "attached,inline,taken" {
		t.Errorf("roles = %s", got)
	}
}

func TestRoleNamesIgnoreCase(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.createRole(t, "MyRole")
	got, err := tb.client.GetRole(context.Background(), &awsiam.GetRoleInput{RoleName: aws.String("myrole")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Role.RoleName) != "MyRole" {
		t.Errorf("RoleName = %s, want the name as created", aws.ToString(got.Role.RoleName))
	}
}

func TestListRolesPages(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for _, n := range []string{"e", "a", "D", "c", "b"} {
		tb.createRole(t, n)
	}
	if _, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("svc"), Path: aws.String("/svc/"),
		AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatal(err)
	}
	var names []string
	p := awsiam.NewListRolesPaginator(tb.client, &awsiam.ListRolesInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if got := strings.Join(names, ","); got != "a,b,c,D,e,svc" || pages != 3 {
		t.Errorf("pages = %d, roles = %s", pages, got)
	}
	out, err := tb.client.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: aws.String("/svc/")})
	if err != nil || len(out.Roles) != 1 || aws.ToString(out.Roles[0].RoleName) != "svc" {
		t.Errorf("PathPrefix: %+v, %v", out, err)
	}
	_, err = tb.client.ListRoles(ctx, &awsiam.ListRolesInput{Marker: aws.String("!!")})
	wantAPIError(t, err, "ValidationError", 400, "")
}

func TestPermissionsBoundary(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	arn := tb.createPolicy(t, "boundary")
	tb.createRole(t, "r")
	if _, err := tb.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	got, err := tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Role.PermissionsBoundary == nil || aws.ToString(got.Role.PermissionsBoundary.PermissionsBoundaryArn) != arn ||
		got.Role.PermissionsBoundary.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("PermissionsBoundary = %+v", got.Role.PermissionsBoundary)
	}
	pol, err := tb.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToInt32(pol.Policy.PermissionsBoundaryUsageCount) != 1 {
		t.Errorf("PermissionsBoundaryUsageCount: %+v, %v", pol, err)
	}
	if _, err := tb.client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	got, _ = tb.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("r")})
	if got.Role.PermissionsBoundary != nil {
		t.Errorf("boundary still set: %+v", got.Role.PermissionsBoundary)
	}
	// UpdateRoleDescription answers with the role.
	ud, err := tb.client.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: aws.String("r"), Description: aws.String("d")})
	if err != nil || aws.ToString(ud.Role.Description) != "d" {
		t.Errorf("UpdateRoleDescription = %+v, %v", ud, err)
	}
	_ = time.Second
}

func TestRoleID(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	out, err := tb.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String("/p/"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		arn string
		ok  bool
	}{
		{"arn:aws:iam::111111111111:role/p/r", true},
		{"arn:aws:iam::111111111111:role/r", false},
		{"arn:aws:iam::222222222222:role/p/r", false},
		{"arn:aws:iam::111111111111:role/p/nope", false},
		{"arn:aws:iam::111111111111:role/", false},
	} {
		id, ok := tb.svc.RoleID(ctx, tt.arn)
		if ok != tt.ok || ok && id != aws.ToString(out.Role.RoleId) {
			t.Errorf("RoleID(%s) = %s, %v", tt.arn, id, ok)
		}
	}
}
