package s3_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// regionClient is tb.path signing for another region.
func (tb *testBundle) regionClient(r string) *awss3.Client {
	return awss3.New(tb.path.Options(), func(o *awss3.Options) { o.Region = r })
}

func TestCreateBucket(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	eu := tb.regionClient("eu-west-1")
	t.Run("us-east-1 without configuration", func(t *testing.T) {
		t.Parallel()
		b := bucketName()
		out, err := tb.path.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Location) != "/"+b {
			t.Errorf("Location = %q", aws.ToString(out.Location))
		}
		loc, err := tb.path.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String(b)})
		if err != nil || loc.LocationConstraint != "" {
			t.Errorf("GetBucketLocation = %q, %v; want empty", loc.LocationConstraint, err)
		}
		// S3's legacy behaviour: re-creating one's bucket in us-east-1 is 200.
		if _, err := tb.path.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Errorf("re-create in us-east-1: %v", err)
		}
	})
	t.Run("eu-west-1 with a location constraint", func(t *testing.T) {
		t.Parallel()
		b := bucketName()
		if _, err := eu.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
			t.Fatal(err)
		}
		loc, err := tb.path.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String(b)})
		if err != nil || loc.LocationConstraint != types.BucketLocationConstraintEuWest1 {
			t.Errorf("GetBucketLocation = %q, %v", loc.LocationConstraint, err)
		}
		head, err := tb.path.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(b)})
		if err != nil || aws.ToString(head.BucketRegion) != "eu-west-1" {
			t.Errorf("HeadBucket region = %q, %v", aws.ToString(head.BucketRegion), err)
		}
		_, err = eu.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
		wantAPIError(t, err, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
		wantStatus(t, err, 409)
		var owned *types.BucketAlreadyOwnedByYou
		if !errors.As(err, &owned) {
			t.Errorf("err %T is not *types.BucketAlreadyOwnedByYou", err)
		}
	})
	for _, tc := range []struct {
		name   string
		client *awss3.Client
		bucket string
		lc     types.BucketLocationConstraint
		code   string
		msg    string
	}{
		{name: "upper case", bucket: "MyBucket", code: "InvalidBucketName", msg: "The specified bucket is not valid."},
		{name: "too short", bucket: "ab", code: "InvalidBucketName", msg: "The specified bucket is not valid."},
		{name: "ip address", bucket: "192.168.1.1", code: "InvalidBucketName", msg: "The specified bucket is not valid."},
		{name: "adjacent dots", bucket: "a..b", code: "InvalidBucketName", msg: "The specified bucket is not valid."},
		{name: "us-east-1 as a constraint", lc: "us-east-1", code: "InvalidLocationConstraint", msg: "The specified location-constraint is not valid"},
		{name: "constraint of another region", lc: types.BucketLocationConstraintEuWest1, code: "IllegalLocationConstraintException",
			msg: "The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "no constraint outside us-east-1", client: eu, code: "IllegalLocationConstraintException",
			msg: "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tc.client
			if c == nil {
				c = tb.path
			}
			b := tc.bucket
			if b == "" {
				b = bucketName()
			}
			in := &awss3.CreateBucketInput{Bucket: aws.String(b)}
			if tc.lc != "" {
				in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: tc.lc}
			}
			_, err := c.CreateBucket(ctx, in)
			wantAPIError(t, err, tc.code, tc.msg)
			wantStatus(t, err, 400)
			if _, err := tb.path.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(b)}); err == nil {
				t.Errorf("bucket %s exists after a failed create", b)
			}
		})
	}
}

func TestCreateBucketBadXML(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	resp := tb.raw(t, "PUT", "/"+bucketName(), "<CreateBucketConfiguration><LocationConstraint>", nil)
	wantErrorDoc(t, resp, 400, "MalformedXML", "")
}

func TestHeadAndDeleteBucket(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	if _, err := tb.path.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	_, err := tb.path.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(b)})
	wantAPIError(t, err, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	wantStatus(t, err, 409)
	if _, err := tb.path.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatalf("bucket gone after BucketNotEmpty: %v", err)
	}
	if _, err := tb.path.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.path.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.path.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(b)})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadBucket after delete = %v; want NotFound", err)
	}
	wantStatus(t, err, 404)
	_, err = tb.path.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(b)})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	d := wantErrorDoc(t, tb.raw(t, "DELETE", "/"+b, "", nil), 404, "NoSuchBucket", "The specified bucket does not exist")
	if d.BucketName != b {
		t.Errorf("BucketName = %q", d.BucketName)
	}
}

func TestListBuckets(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for _, b := range []string{"list-a", "list-b", "list-c", "other-d"} {
		if _, err := tb.path.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := tb.path.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Buckets) != 4 || aws.ToString(all.Buckets[0].Name) != "list-a" || all.Owner == nil || len(aws.ToString(all.Owner.ID)) != 64 {
		t.Errorf("ListBuckets = %d buckets, owner %+v", len(all.Buckets), all.Owner)
	}
	if all.Buckets[0].CreationDate == nil || aws.ToString(all.Buckets[0].BucketRegion) != region {
		t.Errorf("bucket = %+v", all.Buckets[0])
	}
	var names []string
	p := awss3.NewListBucketsPaginator(tb.path, &awss3.ListBucketsInput{Prefix: aws.String("list-"), MaxBuckets: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	if strings.Join(names, ",") != "list-a,list-b,list-c" || pages != 2 {
		t.Errorf("paged = %v in %d pages", names, pages)
	}
	_, err = tb.path.ListBuckets(ctx, &awss3.ListBucketsInput{MaxBuckets: aws.Int32(0)})
	wantAPIError(t, err, "InvalidArgument", "")
}

// TestBucketReadsOfTerraform makes the reads the Terraform AWS provider
// (5.100) makes for aws_s3_bucket on a new bucket and checks S3's answers.
func TestBucketReadsOfTerraform(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	b := tb.bucket(t)
	c := tb.path
	B := aws.String(b)
	notFound := map[string][2]string{}
	check := func(name string, err error, code, msg string) {
		if code == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			return
		}
		notFound[name] = [2]string{code, msg}
		var ae interface{ ErrorCode() string }
		if !errors.As(err, &ae) {
			t.Errorf("%s: err = %v; want %s", name, err, code)
			return
		}
		wantAPIError(t, err, code, msg)
		wantStatus(t, err, 404)
	}
	_, err := c.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: B})
	check("GetBucketPolicy", err, "NoSuchBucketPolicy", "The bucket policy does not exist")
	acl, err := c.GetBucketAcl(ctx, &awss3.GetBucketAclInput{Bucket: B})
	check("GetBucketAcl", err, "", "")
	if err == nil && (len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || aws.ToString(acl.Owner.ID) == "") {
		t.Errorf("GetBucketAcl = %+v", acl)
	}
	_, err = c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: B})
	check("GetBucketCors", err, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
	_, err = c.GetBucketWebsite(ctx, &awss3.GetBucketWebsiteInput{Bucket: B})
	check("GetBucketWebsite", err, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")
	ver, err := c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: B})
	check("GetBucketVersioning", err, "", "")
	if err == nil && ver.Status != "" {
		t.Errorf("versioning = %q", ver.Status)
	}
	acc, err := c.GetBucketAccelerateConfiguration(ctx, &awss3.GetBucketAccelerateConfigurationInput{Bucket: B})
	check("GetBucketAccelerateConfiguration", err, "", "")
	if err == nil && acc.Status != "" {
		t.Errorf("accelerate = %q", acc.Status)
	}
	pay, err := c.GetBucketRequestPayment(ctx, &awss3.GetBucketRequestPaymentInput{Bucket: B})
	check("GetBucketRequestPayment", err, "", "")
	if err == nil && pay.Payer != types.PayerBucketOwner {
		t.Errorf("payer = %q", pay.Payer)
	}
	logging, err := c.GetBucketLogging(ctx, &awss3.GetBucketLoggingInput{Bucket: B})
	check("GetBucketLogging", err, "", "")
	if err == nil && logging.LoggingEnabled != nil {
		t.Errorf("logging = %+v", logging.LoggingEnabled)
	}
	_, err = c.GetBucketLifecycleConfiguration(ctx, &awss3.GetBucketLifecycleConfigurationInput{Bucket: B})
	check("GetBucketLifecycleConfiguration", err, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	_, err = c.GetBucketReplication(ctx, &awss3.GetBucketReplicationInput{Bucket: B})
	check("GetBucketReplication", err, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")
	enc, err := c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: B})
	check("GetBucketEncryption", err, "", "")
	if err == nil {
		r := enc.ServerSideEncryptionConfiguration.Rules
		if len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 || aws.ToBool(r[0].BucketKeyEnabled) {
			t.Errorf("encryption = %+v", r)
		}
	}
	_, err = c.GetObjectLockConfiguration(ctx, &awss3.GetObjectLockConfigurationInput{Bucket: B})
	check("GetObjectLockConfiguration", err, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")
	_, err = c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: B})
	check("GetBucketTagging", err, "NoSuchTagSet", "The TagSet does not exist")
	own, err := c.GetBucketOwnershipControls(ctx, &awss3.GetBucketOwnershipControlsInput{Bucket: B})
	check("GetBucketOwnershipControls", err, "", "")
	if err == nil && own.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("ownership = %+v", own.OwnershipControls.Rules)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: B})
	check("GetPublicAccessBlock", err, "", "")
	if err == nil {
		p := pab.PublicAccessBlockConfiguration
		if !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
			t.Errorf("public access block = %+v", p)
		}
	}
	// The not-found errors carry the bucket's name, as S3's do.
	resp := tb.raw(t, "GET", "/"+b+"?tagging", "", nil)
	if d := wantErrorDoc(t, resp, 404, "NoSuchTagSet", "The TagSet does not exist"); d.BucketName != b {
		t.Errorf("BucketName = %q", d.BucketName)
	}
	if len(notFound) != 7 {
		t.Errorf("checked %d not-found answers", len(notFound))
	}
}

func TestBucketSettings(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	c := tb.path
	b := tb.bucket(t)
	B := aws.String(b)

	// Tags.
	if _, err := c.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("")}}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: B})
	if err != nil || len(tags.TagSet) != 2 || aws.ToString(tags.TagSet[0].Key) != "env" {
		t.Errorf("GetBucketTagging = %+v, %v", tags, err)
	}
	_, err = c.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: B, Tagging: &types.Tagging{TagSet: []types.Tag{
		{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}}}})
	wantAPIError(t, err, "InvalidTag", "The TagKey you have provided is too long, max 128")
	if tags, _ := c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: B}); len(tags.TagSet) != 2 {
		t.Errorf("tags changed by a failed put: %+v", tags.TagSet)
	}
	if _, err := c.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: B})
	wantAPIError(t, err, "NoSuchTagSet", "The TagSet does not exist")

	// Versioning.
	if _, err := c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: B,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if v, err := c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: B}); err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("versioning = %q, %v", v.Status, err)
	}

	// Policy.
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + "x" + `/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: B, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if p, err := c.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: B}); err != nil || aws.ToString(p.Policy) != policy {
		t.Errorf("policy = %q, %v", aws.ToString(p.Policy), err)
	}
	_, err = c.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: B, Policy: aws.String("not json")})
	wantAPIError(t, err, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	_, err = c.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: B, Policy: aws.String("{}")})
	wantAPIError(t, err, "MalformedPolicy", "Missing required field Statement")
	if _, err := c.DeleteBucketPolicy(ctx, &awss3.DeleteBucketPolicyInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: B})
	wantAPIError(t, err, "NoSuchBucketPolicy", "The bucket policy does not exist")

	// Public access block.
	if _, err := c.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{Bucket: B,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: B})
	if err != nil || aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Errorf("public access block = %+v, %v", pab, err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &awss3.DeletePublicAccessBlockInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: B})
	wantAPIError(t, err, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")

	// Ownership controls.
	if _, err := c.PutBucketOwnershipControls(ctx, &awss3.PutBucketOwnershipControlsInput{Bucket: B, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	if o, err := c.GetBucketOwnershipControls(ctx, &awss3.GetBucketOwnershipControlsInput{Bucket: B}); err != nil ||
		o.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerPreferred {
		t.Errorf("ownership = %+v, %v", o, err)
	}
	if _, err := c.DeleteBucketOwnershipControls(ctx, &awss3.DeleteBucketOwnershipControlsInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketOwnershipControls(ctx, &awss3.GetBucketOwnershipControlsInput{Bucket: B})
	wantAPIError(t, err, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")

	// CORS: stored as sent, read back through the SDK.
	if _, err := c.PutBucketCors(ctx, &awss3.PutBucketCorsInput{Bucket: B, CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}}); err != nil {
		t.Fatal(err)
	}
	if cors, err := c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: B}); err != nil || len(cors.CORSRules) != 1 || cors.CORSRules[0].AllowedMethods[0] != "GET" {
		t.Errorf("cors = %+v, %v", cors, err)
	}
	if _, err := c.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}

	// Encryption: deleting returns to S3's default, SSE-S3.
	if _, err := c.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: B, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
			SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("k")}}}}}); err != nil {
		t.Fatal(err)
	}
	if e, err := c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: B}); err != nil ||
		e.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms {
		t.Errorf("encryption = %+v, %v", e, err)
	}
	if _, err := c.DeleteBucketEncryption(ctx, &awss3.DeleteBucketEncryptionInput{Bucket: B}); err != nil {
		t.Fatal(err)
	}
	if e, err := c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: B}); err != nil ||
		e.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Errorf("encryption after delete = %+v, %v", e, err)
	}

	// Settings of a bucket that does not exist.
	_, err = c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: aws.String("no-such-" + b)})
	wantAPIError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	// A body that is not the subresource's document.
	resp := tb.raw(t, "PUT", "/"+b+"?versioning", "<Tagging/>", nil)
	wantErrorDoc(t, resp, 400, "MalformedXML", "")
}
