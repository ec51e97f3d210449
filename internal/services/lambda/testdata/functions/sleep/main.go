// Command sleep is a test function that sleeps for the event's "ms"
// milliseconds, then answers {"slept": ms, "pid": pid}.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	MS int `json:"ms"`
}

func main() {
	lambda.Start(func(e event) (map[string]int, error) {
		fmt.Printf("sleep: sleeping %d ms\n", e.MS)
		time.Sleep(time.Duration(e.MS) * time.Millisecond)
		return map[string]int{"slept": e.MS, "pid": os.Getpid()}, nil
	})
}
