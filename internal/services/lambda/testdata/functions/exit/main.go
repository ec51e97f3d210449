// Command exit is a test function whose process exits mid-invocation.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func() (string, error) {
		fmt.Println("exit: exiting with status 1")
		os.Exit(1)
		return "", nil
	})
}
