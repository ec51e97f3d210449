package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	ddb "github.com/stepflow/stepflow/internal/services/dynamodb"
	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// TestConditionalDecrementConcurrency has many clients take stock from one
// counter with "SET stock = stock - :one" under "stock >= :one": exactly
// the initial stock succeeds, the counter ends at zero, never below.
func TestConditionalDecrementConcurrency(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "stock", "")
	const initial, workers, attempts = 100, 16, 10
	tb.put(t, "stock", item("pk", s("widget"), "stock", n(fmt.Sprint(initial))))
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < attempts; i++ {
				out, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String("stock"), Key: item("pk", s("widget")),
					UpdateExpression:          aws.String("SET stock = stock - :one"),
					ConditionExpression:       aws.String("stock >= :one"),
					ExpressionAttributeValues: item(":one", n("1")),
					ReturnValues:              types.ReturnValueUpdatedNew,
				})
				var ccf *types.ConditionalCheckFailedException
				switch {
				case err == nil:
					if v := render(out.Attributes["stock"]); v == "N:-1" {
						t.Errorf("stock went below zero")
					}
					ok.Add(1)
				case errors.As(err, &ccf):
					failed.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != initial || failed.Load() != workers*attempts-initial {
		t.Errorf("%d succeeded and %d failed, want %d and %d", ok.Load(), failed.Load(), initial, workers*attempts-initial)
	}
	if got := render(tb.get(t, "stock", item("pk", s("widget")))["stock"]); got != "N:0" {
		t.Errorf("stock = %s, want N:0", got)
	}
}

// TestConcurrentIncrementsLoseNothing: every ADD counts.
func TestConcurrentIncrementsLoseNothing(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "counter", "")
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("counter"), Key: item("pk", s("c")),
					UpdateExpression: aws.String("ADD hits :one"), ExpressionAttributeValues: item(":one", n("1"))})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got := render(tb.get(t, "counter", item("pk", s("c")))["hits"]); got != fmt.Sprintf("N:%d", workers*each) {
		t.Errorf("hits = %s, want %d", got, workers*each)
	}
}

// TestTransactions: TransactWriteItems applies everything or nothing and
// explains a cancellation item by item.
func TestTransactions(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "accounts", "")
	tb.put(t, "accounts", item("pk", s("alice"), "balance", n("100")))
	tb.put(t, "accounts", item("pk", s("bob"), "balance", n("0")))
	transfer := func(amount string, token string) error {
		in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String("accounts"), Key: item("pk", s("alice")),
				UpdateExpression: aws.String("SET balance = balance - :a"), ConditionExpression: aws.String("balance >= :a"),
				ExpressionAttributeValues: item(":a", n(amount)), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Update: &types.Update{TableName: aws.String("accounts"), Key: item("pk", s("bob")),
				UpdateExpression: aws.String("SET balance = balance + :a"), ExpressionAttributeValues: item(":a", n(amount))}},
			{Put: &types.Put{TableName: aws.String("accounts"), Item: item("pk", s("log-"+amount+token), "amount", n(amount)),
				ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		}}
		if token != "" {
			in.ClientRequestToken = aws.String(token)
		}
		_, err := tb.client.TransactWriteItems(ctx, in)
		return err
	}
	if err := transfer("30", ""); err != nil {
		t.Fatal(err)
	}
	err := transfer("80", "")
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want TransactionCanceledException", err)
	}
	wantAPIError(t, err, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]")
	if len(tce.CancellationReasons) != 3 || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[0].Message) != "The conditional request failed" ||
		render(tce.CancellationReasons[0].Item["balance"]) != "N:70" || aws.ToString(tce.CancellationReasons[1].Code) != "None" {
		t.Errorf("reasons = %+v", tce.CancellationReasons)
	}
	if a, b := render(tb.get(t, "accounts", item("pk", s("alice")))["balance"]), render(tb.get(t, "accounts", item("pk", s("bob")))["balance"]); a != "N:70" || b != "N:30" {
		t.Errorf("balances %s %s after a cancelled transfer, want 70 and 30", a, b)
	}
	if tb.get(t, "accounts", item("pk", s("log-80"))) != nil {
		t.Error("a cancelled transaction wrote its Put")
	}
	// Idempotency: the same token and request apply once; another request
	// with the token is refused.
	if err := transfer("10", "tok"); err != nil {
		t.Fatal(err)
	}
	if err := transfer("10", "tok"); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if got := render(tb.get(t, "accounts", item("pk", s("alice")))["balance"]); got != "N:60" {
		t.Errorf("alice = %s after an idempotent replay, want 60", got)
	}
	_, err = tb.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("tok"),
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("accounts"), Item: item("pk", s("x"))}}}})
	if code, _ := apiError(err); code != "IdempotentParameterMismatchException" {
		t.Errorf("reused token: %v", err)
	}
	// A runtime error in an update cancels with ValidationError.
	_, err = tb.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("accounts"), Item: item("pk", s("carol"), "name", s("c"))}},
		{Update: &types.Update{TableName: aws.String("accounts"), Key: item("pk", s("alice")), UpdateExpression: aws.String("SET balance = balance + #p"),
			ExpressionAttributeNames: map[string]string{"#p": "pk"}}},
	}})
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[1].Code) != "ValidationError" ||
		aws.ToString(tce.CancellationReasons[1].Message) != "An operand in the update expression has an incorrect data type" {
		t.Errorf("runtime error: %v", err)
	}
	if tb.get(t, "accounts", item("pk", s("carol"))) != nil {
		t.Error("a cancelled transaction wrote carol")
	}
	// Two operations on one item are refused up front.
	_, err = tb.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("accounts"), Item: item("pk", s("alice"))}},
		{Delete: &types.Delete{TableName: aws.String("accounts"), Key: item("pk", s("alice"))}},
	}})
	wantAPIError(t, err, "ValidationException", "Transaction request cannot include multiple operations on one item")
	// TransactGetItems reads a consistent set.
	got, err := tb.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("accounts"), Key: item("pk", s("alice")), ProjectionExpression: aws.String("balance")}},
		{Get: &types.Get{TableName: aws.String("accounts"), Key: item("pk", s("nobody"))}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Responses) != 2 || renderItem(got.Responses[0].Item) != "{balance=N:60}" || got.Responses[1].Item != nil {
		t.Errorf("TransactGetItems = %+v", got.Responses)
	}
}

// TestReopen: tables, items, indexes and settings survive closing and
// reopening the database.
func TestReopen(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	tb.createTable(t, "durable", types.ScalarAttributeTypeN, withGSI("byColor", "color", ""))
	for i := 0; i < 20; i++ {
		tb.put(t, "durable", item("pk", s("p"), "sk", n(fmt.Sprint(i)), "color", s([]string{"red", "blue"}[i%2])))
	}
	if _, err := tb.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("durable"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}); err != nil {
		t.Fatal(err)
	}
	before, err := tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	tb.closeFn()
	tb.open(t)
	after, err := tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.Table.TableId) != aws.ToString(before.Table.TableId) || aws.ToInt64(after.Table.ItemCount) != 20 ||
		!after.Table.CreationDateTime.Equal(*before.Table.CreationDateTime) {
		t.Errorf("after reopen: %+v", after.Table)
	}
	out, err := tb.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("durable"), IndexName: aws.String("byColor"),
		KeyConditionExpression: aws.String("color = :c"), ExpressionAttributeValues: item(":c", s("red"))})
	if err != nil || out.Count != 10 {
		t.Fatalf("index query after reopen: %v, %v", out, err)
	}
	ttl, err := tb.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("durable")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("TTL after reopen: %+v, %v", ttl, err)
	}
	// A new table after reopen does not reuse the old one's storage.
	tb.createTable(t, "fresh", "")
	scan, err := tb.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("fresh")})
	if err != nil || scan.Count != 0 {
		t.Fatalf("fresh table scan: %v, %v", scan, err)
	}
}

// withGSI adds a global secondary index on hash (and rng) with projection
// ALL; attributes are strings.
func withGSI(name, hash, rng string) func(*dynamodb.CreateTableInput) {
	return func(in *dynamodb.CreateTableInput) {
		ks := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
		in.AttributeDefinitions = appendDef(in.AttributeDefinitions, hash)
		if rng != "" {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
			in.AttributeDefinitions = appendDef(in.AttributeDefinitions, rng)
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{IndexName: aws.String(name), KeySchema: ks,
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}})
	}
}

func appendDef(defs []types.AttributeDefinition, name string) []types.AttributeDefinition {
	for _, d := range defs {
		if aws.ToString(d.AttributeName) == name {
			return defs
		}
	}
	return append(defs, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS})
}

// TestServiceRestartOnOpenDatabase closes the service, not the database,
// while requests run (they all succeed: the closed service's prepared
// statements give way to unprepared ones), then opens a new service on the
// same database, which sees every write.
func TestServiceRestartOnOpenDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	call := func(t *testing.T, svc *ddb.Service, action, body string) []byte {
		t.Helper()
		out, err := svc.Call(ctx, action, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return out
	}
	first, err := ddb.New(ddb.Config{DB: db, DisableTTL: true})
	if err != nil {
		t.Fatal(err)
	}
	call(t, first, "CreateTable", `{"TableName":"restart","BillingMode":"PAY_PER_REQUEST",`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],`+
		`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}]}`)
	const workers, each = 4, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf(`{"pk":{"S":"p"},"sk":{"N":"%d"}}`, w*each+i)
				for _, c := range []struct{ action, body string }{
					{"UpdateItem", `{"TableName":"restart","Key":` + key + `,"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`},
					{"GetItem", `{"TableName":"restart","Key":` + key + `}`},
					{"Query", `{"TableName":"restart","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":` + fmt.Sprint(i+1) + `}`},
					{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"restart","Key":` + key + `}}]}`},
				} {
					if _, err := first.Call(ctx, c.action, []byte(c.body)); err != nil {
						t.Errorf("%s while closing: %v", c.action, err)
						return
					}
				}
			}
		})
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	second, err := ddb.New(ddb.Config{DB: db, DisableTTL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	out := call(t, second, "Query", `{"TableName":"restart","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Select":"COUNT"}`)
	if want := fmt.Sprintf(`"Count":%d`, workers*each); !strings.Contains(string(out), want) {
		t.Errorf("Query on the new service = %s, want %s", out, want)
	}
	call(t, second, "PutItem", `{"TableName":"restart","Item":{"pk":{"S":"q"},"sk":{"N":"1"}}}`)
	out = call(t, second, "GetItem", `{"TableName":"restart","Key":{"pk":{"S":"q"},"sk":{"N":"1"}}}`)
	if !strings.Contains(string(out), `"Item"`) {
		t.Errorf("GetItem on the new service = %s", out)
	}
}
