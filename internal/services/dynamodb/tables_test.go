package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	ddb "github.com/stepflow/stepflow/internal/services/dynamodb"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestTableLifecycle walks a table through what the Terraform provider's
// aws_dynamodb_table does: create, read everything back, update, tag,
// TTL, delete.
func TestTableLifecycle(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	created, err := tb.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("books"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("isbn"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("edition"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("author"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("year"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("isbn"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("edition"), KeyType: types.KeyTypeRange},
		},
		BillingMode:           types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(2)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:             aws.String("byAuthor"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("author"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("year"), KeyType: types.KeyTypeRange}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"title"}},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName:  aws.String("byYear"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("isbn"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("year"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
		Tags:                []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := created.TableDescription
	if d.TableStatus != types.TableStatusCreating || aws.ToString(d.TableArn) != "arn:aws:dynamodb:us-east-1:111111111111:table/books" ||
		aws.ToString(d.TableId) == "" || !d.CreationDateTime.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("CreateTable = %+v", d)
	}
	desc, err := tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("books")})
	if err != nil {
		t.Fatal(err)
	}
	tab := desc.Table
	if tab.TableStatus != types.TableStatusActive || aws.ToInt64(tab.ProvisionedThroughput.ReadCapacityUnits) != 5 ||
		tab.BillingModeSummary.BillingMode != types.BillingModeProvisioned || len(tab.GlobalSecondaryIndexes) != 1 ||
		tab.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive ||
		tab.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes[0] != "title" ||
		aws.ToString(tab.GlobalSecondaryIndexes[0].IndexArn) != "arn:aws:dynamodb:us-east-1:111111111111:table/books/index/byAuthor" ||
		len(tab.LocalSecondaryIndexes) != 1 || !aws.ToBool(tab.StreamSpecification.StreamEnabled) || aws.ToString(tab.LatestStreamArn) == "" {
		t.Errorf("DescribeTable = %+v", tab)
	}
	tags, err := tb.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: tab.TableArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "test" {
		t.Errorf("ListTagsOfResource = %+v, %v", tags, err)
	}
	pitr, err := tb.client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("books")})
	if err != nil || pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Errorf("DescribeContinuousBackups = %+v, %v", pitr, err)
	}
	if _, err := tb.client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("books"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	pitr, _ = tb.client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("books")})
	if pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled {
		t.Errorf("PITR not enabled: %+v", pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription)
	}
	ttl, err := tb.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("books")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Errorf("DescribeTimeToLive = %+v, %v", ttl, err)
	}
	if _, err := tb.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("books"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}}); err != nil {
		t.Fatal(err)
	}
	_, err = tb.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("books"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expires")}})
	wantAPIError(t, err, "ValidationException", "TimeToLive is already enabled")
	ttl, _ = tb.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("books")})
	if ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expires" {
		t.Errorf("TTL = %+v", ttl.TimeToLiveDescription)
	}
	// Tags.
	if _, err := tb.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: tab.TableArn,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: tab.TableArn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = tb.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: tab.TableArn})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Errorf("tags = %+v", tags.Tags)
	}
	_, err = tb.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:111111111111:table/nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:111111111111:table/nope not found")
	// Update: on-demand billing, a new index, drop the old one.
	tb.put(t, "books", item("isbn", s("1"), "edition", n("1"), "author", s("ann"), "year", n("1999"), "title", s("One"), "genre", s("sf")))
	tb.put(t, "books", item("isbn", s("2"), "edition", n("1"), "author", s("bob"), "year", n("2001"), "genre", s("sf")))
	tb.put(t, "books", item("isbn", s("3"), "edition", n("1"), "author", s("bob"), "year", n("2005")))
	upd, err := tb.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:            aws.String("books"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("genre"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
			{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("byGenre"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("genre"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
			{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byAuthor")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.TableDescription.BillingModeSummary.BillingMode != types.BillingModePayPerRequest || len(upd.TableDescription.GlobalSecondaryIndexes) != 1 {
		t.Errorf("UpdateTable = %+v", upd.TableDescription)
	}
	q, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"), IndexName: aws.String("byGenre"),
		KeyConditionExpression: aws.String("genre = :g"), ExpressionAttributeValues: item(":g", s("sf"))})
	if err != nil || q.Count != 2 || renderItem(q.Items[0]) != "{edition=N:1 genre=S:sf isbn=S:1}" && renderItem(q.Items[0]) != "{edition=N:1 genre=S:sf isbn=S:2}" {
		t.Errorf("query new index = %+v, %v", q, err)
	}
	_, err = tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"), IndexName: aws.String("byAuthor"),
		KeyConditionExpression: aws.String("author = :a"), ExpressionAttributeValues: item(":a", s("bob"))})
	wantAPIError(t, err, "ValidationException", "The table does not have the specified index: byAuthor")
	// Delete.
	del, err := tb.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("books")})
	if err != nil || del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Fatalf("DeleteTable = %+v, %v", del, err)
	}
	_, err = tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("books")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: books not found")
	_, err = tb.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: item("isbn", s("1"), "edition", n("1"))})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("GetItem on a deleted table: %T", err)
	}
}

func TestCreateTableErrors(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	hash := []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}
	defs := []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}}
	tests := []struct {
		name     string
		in       dynamodb.CreateTableInput
		code     string
		msg      string
		existing bool
	}{
		{name: "no throughput", in: dynamodb.CreateTableInput{KeySchema: hash, AttributeDefinitions: defs},
			code: "ValidationException", msg: "No provisioned throughput specified for the table"},
		{name: "throughput on demand", in: dynamodb.CreateTableInput{KeySchema: hash, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest,
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}},
			code: "ValidationException", msg: "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{name: "undefined key", in: dynamodb.CreateTableInput{KeySchema: hash, BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS}}},
			code: "ValidationException", msg: "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]"},
		{name: "extra definition", in: dynamodb.CreateTableInput{KeySchema: hash, BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: append(append([]types.AttributeDefinition(nil), defs...), types.AttributeDefinition{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS})},
			code: "ValidationException", msg: "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{name: "range first", in: dynamodb.CreateTableInput{KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange}},
			AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest},
			code: "ValidationException", msg: "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{name: "exists", existing: true, in: dynamodb.CreateTableInput{KeySchema: hash, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest},
			code: "ResourceInUseException", msg: "Table already exists: tab5"},
		{name: "bad name", in: dynamodb.CreateTableInput{TableName: aws.String("a"), KeySchema: hash, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest},
			code: "ValidationException", msg: "TableName must be at least 3 characters long and at most 255 characters long"},
		{name: "bad characters", in: dynamodb.CreateTableInput{TableName: aws.String("a b c"), KeySchema: hash, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest},
			code: "ValidationException", msg: "1 validation error detected: Value 'a b c' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			if in.TableName == nil {
				in.TableName = aws.String(fmt.Sprintf("tab%d", i))
			}
			if tt.existing {
				if _, err := tb.client.CreateTable(ctx, &in); err != nil {
					t.Fatal(err)
				}
			}
			_, err := tb.client.CreateTable(ctx, &in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
}

func TestListTables(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		tb.createTable(t, fmt.Sprintf("tab%d", i), "")
	}
	var names []string
	var start *string
	for pages := 0; ; pages++ {
		out, err := tb.client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		start = out.LastEvaluatedTableName
		if pages > 5 {
			t.Fatal("ListTables does not end")
		}
	}
	if fmt.Sprint(names) != "[tab0 tab1 tab2 tab3 tab4]" {
		t.Errorf("tables = %v", names)
	}
}

// TestBackgroundSweep: with TTL on, the service deletes expired items by
// itself every TTLInterval, and Close stops it.
func TestBackgroundSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := ddb.New(ddb.Config{DB: db, TTLInterval: 5 * time.Millisecond, Now: func() time.Time { return time.Unix(2_000_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, call := range []struct{ action, body string }{
		{"CreateTable", `{"TableName":"swept","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`},
		{"UpdateTimeToLive", `{"TableName":"swept","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}}`},
		{"PutItem", `{"TableName":"swept","Item":{"pk":{"S":"old"},"ttl":{"N":"1999999999"}}}`},
	} {
		if _, err := svc.Call(ctx, call.action, []byte(call.body)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := svc.Call(ctx, "GetItem", []byte(`{"TableName":"swept","Key":{"pk":{"S":"old"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if string(out) == "{}" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired item was never swept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
}
