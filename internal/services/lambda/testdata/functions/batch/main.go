// Command batch is a test SQS consumer: it reports the messages whose body
// is "fail" as batch item failures, fails the whole batch when a body is
// "crash", and logs every body.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		var out events.SQSEventResponse
		for _, r := range e.Records {
			fmt.Printf("batch: %s %s %s\n", r.MessageId, r.Body, r.EventSource)
			switch r.Body {
			case "crash":
				return out, errors.New("crash requested")
			case "fail":
				out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return out, nil
	})
}
