package awsenv

import "testing"

// Not parallel: it sets environment variables.
func TestRequire(t *testing.T) {
	t.Setenv("AWSENV_TEST_A", "a")
	t.Setenv("AWSENV_TEST_B", "")
	if v, err := Require("AWSENV_TEST_A"); err != nil || v["AWSENV_TEST_A"] != "a" {
		t.Errorf("Require = %v, %v", v, err)
	}
	_, err := Require("AWSENV_TEST_A", "AWSENV_TEST_B", "AWSENV_TEST_C")
	if err == nil || err.Error() != "set the environment variable(s) AWSENV_TEST_B, AWSENV_TEST_C in the function's configuration" {
		t.Errorf("err = %v", err)
	}
}

func TestCustomEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	if CustomEndpoint("s3") {
		t.Error("no endpoint set, yet custom")
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")
	if !CustomEndpoint("s3") || CustomEndpoint("dynamodb") {
		t.Error("AWS_ENDPOINT_URL_S3 not taken for s3 only")
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8080")
	if !CustomEndpoint("dynamodb") {
		t.Error("AWS_ENDPOINT_URL not taken")
	}
}
