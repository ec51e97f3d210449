// Command noop is the smallest test function: it returns its event.
package main

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(e json.RawMessage) (json.RawMessage, error) { return e, nil })
}
