package dynamodb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestQueryPaging pages a Query with Limit and ExclusiveStartKey in both
// directions, and counts with Select COUNT.
func TestQueryPaging(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "events", types.ScalarAttributeTypeN)
	for i := 0; i < 25; i++ {
		tb.put(t, "events", item("pk", s("dev"), "sk", n(fmt.Sprint(i*10-50)), "odd", bl(i%2 == 1)))
	}
	tb.put(t, "events", item("pk", s("other"), "sk", n("1")))
	for _, forward := range []bool{true, false} {
		var got []string
		var start map[string]av
		pages := 0
		for {
			out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: item(":p", s("dev")), Limit: aws.Int32(7), ExclusiveStartKey: start, ScanIndexForward: aws.Bool(forward)})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, it := range out.Items {
				got = append(got, render(it["sk"]))
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			start = out.LastEvaluatedKey
		}
		if len(got) != 25 || pages != 4 {
			t.Fatalf("forward=%v: %d items in %d pages", forward, len(got), pages)
		}
		if forward && (got[0] != "N:-50" || got[24] != "N:190") || !forward && (got[0] != "N:190" || got[24] != "N:-50") {
			t.Errorf("forward=%v order: %v", forward, got)
		}
	}
	out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), KeyConditionExpression: aws.String("pk = :p AND sk >= :z"),
		FilterExpression: aws.String("odd = :t"), ExpressionAttributeValues: item(":p", s("dev"), ":z", n("0"), ":t", bl(true)), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 10 || out.ScannedCount != 20 || out.Items != nil {
		t.Errorf("COUNT: Count %d ScannedCount %d Items %v", out.Count, out.ScannedCount, out.Items)
	}
}

// TestIndexes: GSI and LSI queries return their projections; sparse
// indexes skip items without the key; updates move entries.
func TestIndexes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	_, err := tb.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("users"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("org"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("email"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("age"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("org"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("id"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byEmail"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("email"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byAge"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("org"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("age"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"nick"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.put(t, "users", item("org", s("acme"), "id", s("u1"), "email", s("a@x"), "age", n("30"), "nick", s("al"), "secret", s("s1")))
	tb.put(t, "users", item("org", s("acme"), "id", s("u2"), "email", s("b@x"), "age", n("25"), "nick", s("bo")))
	tb.put(t, "users", item("org", s("acme"), "id", s("u3"), "age", n("41")))
	tb.put(t, "users", item("org", s("other"), "id", s("u4"), "email", s("a@x"), "age", n("20")))

	q := func(index, cond string, vals map[string]av, sel types.Select) string {
		t.Helper()
		out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("users"), IndexName: aws.String(index),
			KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: vals, Select: sel})
		if err != nil {
			t.Fatalf("%s %s: %v", index, cond, err)
		}
		got := ""
		for _, it := range out.Items {
			got += renderItem(it)
		}
		return got
	}
	if got := q("byEmail", "email = :e", item(":e", s("a@x")), ""); got != "{email=S:a@x id=S:u1 org=S:acme}{email=S:a@x id=S:u4 org=S:other}" &&
		got != "{email=S:a@x id=S:u4 org=S:other}{email=S:a@x id=S:u1 org=S:acme}" {
		t.Errorf("GSI keys only = %s", got)
	}
	if got := q("byAge", "org = :o AND age > :a", item(":o", s("acme"), ":a", n("26")), ""); got != "{age=N:30 id=S:u1 nick=S:al org=S:acme}{age=N:41 id=S:u3 org=S:acme}" {
		t.Errorf("LSI include = %s", got)
	}
	if got := q("byAge", "org = :o AND age < :a", item(":o", s("acme"), ":a", n("26")), types.SelectAllAttributes); got != "{age=N:25 email=S:b@x id=S:u2 nick=S:bo org=S:acme}" {
		t.Errorf("LSI all attributes = %s", got)
	}
	// Moving and removing index keys moves and removes entries.
	if _, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("users"), Key: item("org", s("acme"), "id", s("u1")),
		UpdateExpression: aws.String("SET email = :e"), ExpressionAttributeValues: item(":e", s("c@x"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("users"), Key: item("org", s("acme"), "id", s("u2")),
		UpdateExpression: aws.String("REMOVE email")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("users"), Key: item("org", s("other"), "id", s("u4"))}); err != nil {
		t.Fatal(err)
	}
	if got := q("byEmail", "email = :e", item(":e", s("a@x")), ""); got != "" {
		t.Errorf("stale GSI entries: %s", got)
	}
	if got := q("byEmail", "email = :e", item(":e", s("c@x")), ""); got != "{email=S:c@x id=S:u1 org=S:acme}" {
		t.Errorf("moved GSI entry: %s", got)
	}
	desc, err := tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("users")})
	if err != nil || aws.ToInt64(desc.Table.GlobalSecondaryIndexes[0].ItemCount) != 1 || aws.ToInt64(desc.Table.LocalSecondaryIndexes[0].ItemCount) != 3 {
		t.Errorf("index counts: %+v %+v, %v", desc.Table.GlobalSecondaryIndexes, desc.Table.LocalSecondaryIndexes, err)
	}
	// Wrong index key type on write.
	_, err = tb.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("users"), Item: item("org", s("acme"), "id", s("u9"), "email", n("1"))})
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key email Expected: S Actual: N IndexName: byEmail")
	_, err = tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("users"), IndexName: aws.String("byEmail"), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("email = :e"), ExpressionAttributeValues: item(":e", s("a@x"))})
	wantAPIError(t, err, "ValidationException", "Consistent reads are not supported on global secondary indexes")
}

// TestScan covers filters, paging and parallel segments.
func TestScan(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "many", "")
	const total = 120
	for i := 0; i < total; i++ {
		tb.put(t, "many", item("pk", s(fmt.Sprintf("k%03d", i)), "n", n(fmt.Sprint(i))))
	}
	seen := map[string]int{}
	var start map[string]av
	for {
		out, err := tb.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("many"), Limit: aws.Int32(50), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			seen[render(it["pk"])]++
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	if len(seen) != total {
		t.Errorf("paged scan saw %d distinct items, want %d", len(seen), total)
	}
	const segments = 4
	var all []string
	for seg := 0; seg < segments; seg++ {
		p := dynamodb.NewScanPaginator(tb.client, &dynamodb.ScanInput{TableName: aws.String("many"), Segment: aws.Int32(int32(seg)),
			TotalSegments: aws.Int32(segments), FilterExpression: aws.String("n >= :z"), ExpressionAttributeValues: item(":z", n("0"))})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				all = append(all, render(it["pk"]))
			}
		}
	}
	sort.Strings(all)
	if len(all) != total || all[0] != "S:k000" || all[total-1] != fmt.Sprintf("S:k%03d", total-1) {
		t.Errorf("segments returned %d items", len(all))
	}
	out, err := tb.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("many"), FilterExpression: aws.String("n < :ten"),
		ExpressionAttributeValues: item(":ten", n("10")), Select: types.SelectCount})
	if err != nil || out.Count != 10 || out.ScannedCount != total {
		t.Errorf("filtered count = %+v, %v", out, err)
	}
	_, err = tb.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("many"), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
	wantAPIError(t, err, "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4")
}

// TestBatches: BatchWriteItem and BatchGetItem.
func TestBatches(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "left", "")
	tb.createTable(t, "right", types.ScalarAttributeTypeS)
	var reqs []types.WriteRequest
	for i := 0; i < 10; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item("pk", s(fmt.Sprint(i)), "v", n(fmt.Sprint(i)))}})
	}
	out, err := tb.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"left":  reqs,
		"right": {{PutRequest: &types.PutRequest{Item: item("pk", s("a"), "sk", s("b"))}}},
	}})
	if err != nil || len(out.UnprocessedItems) != 0 {
		t.Fatalf("BatchWriteItem = %+v, %v", out, err)
	}
	_, err = tb.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"left": {{DeleteRequest: &types.DeleteRequest{Key: item("pk", s("0"))}}, {DeleteRequest: &types.DeleteRequest{Key: item("pk", s("1"))}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tb.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"left":  {Keys: []map[string]av{item("pk", s("0")), item("pk", s("5")), item("pk", s("9"))}, ProjectionExpression: aws.String("v")},
		"right": {Keys: []map[string]av{item("pk", s("a"), "sk", s("b"))}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, it := range got.Responses["left"] {
		left = append(left, renderItem(it))
	}
	sort.Strings(left)
	if fmt.Sprint(left) != "[{v=N:5} {v=N:9}]" || len(got.Responses["right"]) != 1 || len(got.UnprocessedKeys) != 0 {
		t.Errorf("BatchGetItem = %v %+v", left, got.Responses["right"])
	}
	_, err = tb.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"left": {Keys: []map[string]av{item("pk", s("0")), item("pk", s("0"))}}}})
	wantAPIError(t, err, "ValidationException", "Provided list of item keys contains duplicates")
	_, err = tb.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"left": {{PutRequest: &types.PutRequest{Item: item("pk", s("z"))}}}, "nope": {{PutRequest: &types.PutRequest{Item: item("pk", s("z"))}}}}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
	if tb.get(t, "left", item("pk", s("z"))) != nil {
		t.Error("a failed batch wrote")
	}
}

// TestTTL: the sweeper deletes expired items (and their index entries),
// keeps the rest, and reads do not hide expired items before it runs.
func TestTTL(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "sessions", "", withGSI("byUser", "user", ""))
	if _, err := tb.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}); err != nil {
		t.Fatal(err)
	}
	now := tb.clock.Now()
	at := func(d time.Duration) av { return n(fmt.Sprint(now.Add(d).Unix())) }
	tb.put(t, "sessions", item("pk", s("old"), "user", s("u"), "exp", at(-time.Hour)))
	tb.put(t, "sessions", item("pk", s("soon"), "user", s("u"), "exp", at(time.Hour)))
	tb.put(t, "sessions", item("pk", s("never"), "user", s("u")))
	tb.put(t, "sessions", item("pk", s("text"), "exp", s("123")))
	tb.put(t, "sessions", item("pk", s("ancient"), "exp", at(-6*365*24*time.Hour)))
	if tb.get(t, "sessions", item("pk", s("old"))) == nil {
		t.Fatal("an expired item is hidden before the sweep (AWS returns it until it is deleted)")
	}
	nDeleted, err := tb.svc.Sweep(ctx)
	if err != nil || nDeleted != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", nDeleted, err)
	}
	if tb.get(t, "sessions", item("pk", s("old"))) != nil || tb.get(t, "sessions", item("pk", s("soon"))) == nil || tb.get(t, "sessions", item("pk", s("ancient"))) == nil {
		t.Error("wrong items swept")
	}
	tb.clock.Set(now.Add(2 * time.Hour))
	if nDeleted, err := tb.svc.Sweep(ctx); err != nil || nDeleted != 1 {
		t.Fatalf("second Sweep = %d, %v; want 1", nDeleted, err)
	}
	out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("sessions"), IndexName: aws.String("byUser"),
		KeyConditionExpression: aws.String("#u = :u"), ExpressionAttributeNames: map[string]string{"#u": "user"}, ExpressionAttributeValues: item(":u", s("u"))})
	if err != nil || out.Count != 1 {
		t.Errorf("index after sweeps: %+v, %v", out, err)
	}
}
