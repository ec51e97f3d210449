package main

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/tasks/shared/ddb"
)

// Record is an approval request, an item of APPROVALS_TABLE (key id).
type Record struct {
	ID           string `dynamodbav:"id"`
	Token        string `dynamodbav:"token"`
	ExecutionArn string `dynamodbav:"executionArn"`
	StateName    string `dynamodbav:"stateName"`
	Title        string `dynamodbav:"title"`
	Details      string `dynamodbav:"details"`
	CreatedAt    string `dynamodbav:"createdAt"`
	// ExpiresAt is when the links stop working, in Unix seconds.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
	// Decision is set once: "approve" or "reject".
	Decision  string `dynamodbav:"decision,omitempty"`
	DecidedAt string `dynamodbav:"decidedAt,omitempty"`
	// Outcome says whether the decision reached the waiting task:
	// outcomeDelivered, outcomeNotWaiting, or "" (not yet).
	Outcome string `dynamodbav:"outcome,omitempty"`
	Problem string `dynamodbav:"problem,omitempty"`
	// TTL lets DynamoDB's time to live remove the request 30 days after
	// it expires (enable TTL on the attribute "ttl").
	TTL int64 `dynamodbav:"ttl"`
}

// Outcomes of a decision.
const (
	outcomeDelivered  = "DELIVERED"
	outcomeNotWaiting = "NOT_WAITING"
)

// Errors of a store.
var (
	errNotFound = errors.New("approval request not found")
	// errNotOpen: the request was already decided, or has expired.
	errNotOpen = errors.New("approval request already decided or expired")
)

// store keeps approval requests.
type store interface {
	// Create stores a new request.
	Create(ctx context.Context, r Record) error
	// Get returns request id, or errNotFound.
	Get(ctx context.Context, id string) (Record, error)
	// Decide records decision on an undecided, unexpired request, or
	// returns errNotOpen.
	Decide(ctx context.Context, id, decision string, at time.Time) error
	// Finish records the outcome of delivering the decision.
	Finish(ctx context.Context, id, outcome, problem string) error
}

// table is the part of the DynamoDB client dynamoStore uses.
type table interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// dynamoStore keeps requests in a DynamoDB table.
type dynamoStore struct {
	db   table
	name string
}

var _ store = (*dynamoStore)(nil)

func (s *dynamoStore) Create(ctx context.Context, r Record) error {
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.name), Item: item, ConditionExpression: aws.String("attribute_not_exists(id)"),
	})
	return err
}

func (s *dynamoStore) Get(ctx context.Context, id string) (Record, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.name), Key: ddb.Key("id", id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Record{}, err
	}
	if out.Item == nil {
		return Record{}, errNotFound
	}
	var r Record
	err = attributevalue.UnmarshalMap(out.Item, &r)
	return r, err
}

func (s *dynamoStore) Decide(ctx context.Context, id, decision string, at time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.name),
		Key:                 ddb.Key("id", id),
		UpdateExpression:    aws.String("SET decision = :d, decidedAt = :at"),
		ConditionExpression: aws.String("attribute_exists(id) AND attribute_not_exists(decision) AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":d": ddb.S(decision), ":at": ddb.S(at.UTC().Format(time.RFC3339)),
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(at.Unix(), 10)},
		},
	})
	if ddb.ConditionFailed(err) {
		return errNotOpen
	}
	return err
}

func (s *dynamoStore) Finish(ctx context.Context, id, outcome, problem string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.name),
		Key:                       ddb.Key("id", id),
		UpdateExpression:          aws.String("SET outcome = :o, problem = :p"),
		ConditionExpression:       aws.String("attribute_exists(id)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": ddb.S(outcome), ":p": ddb.S(problem)},
	})
	return err
}
