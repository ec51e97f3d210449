// Command panic is a test function that panics.
package main

import (
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func() (string, error) {
		fmt.Println("panic: about to panic")
		panic("boom")
	})
}
