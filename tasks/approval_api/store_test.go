package main

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/ddb"
)

// fakeTable records the requests and answers err.
type fakeTable struct {
	err     error
	puts    []*dynamodb.PutItemInput
	updates []*dynamodb.UpdateItemInput
	item    map[string]types.AttributeValue
}

func (f *fakeTable) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts = append(f.puts, in)
	return &dynamodb.PutItemOutput{}, f.err
}

func (f *fakeTable) GetItem(_ context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: f.item}, f.err
}

func (f *fakeTable) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.updates = append(f.updates, in)
	return &dynamodb.UpdateItemOutput{}, f.err
}

func TestDynamoStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := &fakeTable{}
	s := &dynamoStore{db: db, name: "approvals"}
	r := Record{ID: "ab", Token: "t", ExecutionArn: "arn:x", ExpiresAt: 100, TTL: 200}
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if p := db.puts[0]; *p.ConditionExpression != "attribute_not_exists(id)" || p.Item["decision"] != nil ||
		!reflect.DeepEqual(p.Item["expiresAt"], &types.AttributeValueMemberN{Value: "100"}) {
		t.Errorf("put %+v", p)
	}

	if _, err := s.Get(ctx, "ab"); !errors.Is(err, errNotFound) {
		t.Errorf("Get of nothing: %v", err)
	}
	db.item = db.puts[0].Item
	if got, err := s.Get(ctx, "ab"); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("Get = %+v, %v", got, err)
	}

	if err := s.Decide(ctx, "ab", "approve", time.Unix(50, 0)); err != nil {
		t.Fatal(err)
	}
	u := db.updates[0]
	if *u.ConditionExpression != "attribute_exists(id) AND attribute_not_exists(decision) AND expiresAt > :now" ||
		!reflect.DeepEqual(u.ExpressionAttributeValues[":now"], &types.AttributeValueMemberN{Value: "50"}) ||
		!reflect.DeepEqual(u.ExpressionAttributeValues[":d"], ddb.S("approve")) {
		t.Errorf("decide %+v", u)
	}
	db.err = &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	if err := s.Decide(ctx, "ab", "reject", time.Unix(50, 0)); !errors.Is(err, errNotOpen) {
		t.Errorf("Decide of a decided request: %v", err)
	}
}
