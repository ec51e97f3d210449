// Package awsenv configures the reference application's Lambdas from the
// standard environment, so the same binary runs on AWS and on Stepflow:
// the AWS SDK reads the region, the credentials and, on Stepflow, the
// endpoint (AWS_ENDPOINT_URL) from the variables Lambda sets; the
// function's own settings (table names, addresses) come from variables
// Terraform sets.
package awsenv

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load returns the AWS SDK configuration of the environment.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// Require returns the values of the named environment variables. Its
// error names every one that is unset or empty.
func Require(names ...string) (map[string]string, error) {
	vals := make(map[string]string, len(names))
	var missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		vals[n] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("set the environment variable(s) %s in the function's configuration", strings.Join(missing, ", "))
	}
	return vals, nil
}

// CustomEndpoint reports whether the SDK is pointed at an endpoint other
// than AWS's own (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE>), as on
// Stepflow. S3 clients then use path-style addressing.
func CustomEndpoint(service string) bool {
	return os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_"+strings.ToUpper(service)) != ""
}
