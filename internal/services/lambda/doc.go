// Package lambda is the AWS Lambda API and a local Lambda runtime:
// functions (Zip packages for the provided.al2023 and provided.al2
// runtimes), their versions, aliases, resource policies, tags and reserved
// concurrency, SQS event source mappings, and Invoke, which runs the
// function's bootstrap executable as a real process speaking the Lambda
// Runtime API.
//
// # Storage
//
// Functions, versions, aliases, policies, tags, mappings, queued Event
// invocations and the latest invocation logs are durable in the shared
// SQLite database (tables lambda_*). An uploaded zip is stored under
// Config.CodeDir (zips/<sha256>.zip) and unpacked once, when it is
// uploaded, into code/<sha256>/, shared by every function and version with
// the same code and removed when nothing uses it any more. GetFunction's
// Code.Location serves the zip from Config.EndpointURL.
//
// # Processes
//
// An invocation runs in a sandbox: one process running the function's
// bootstrap in its unpacked folder, with AWS's environment (function
// name, version, memory, region, log group and stream, _HANDLER,
// LAMBDA_TASK_ROOT, credentials from Config, AWS_ENDPOINT_URL pointing at
// Stepflow) and the function's own variables on top. Each sandbox has its
// own Runtime API listener on 127.0.0.1:<port>, given as
// AWS_LAMBDA_RUNTIME_API, exactly as AWS gives a runtime its endpoint: every
// runtime client works unchanged (aws-lambda-go, other languages' clients,
// curl in a shell script, which would not all accept a path prefix), a
// process sees only its own invocations, and no request needs routing.
//
// Sandboxes stay warm between invocations and are reused; a new one starts
// when none is free. The account runs at most Config.MaxConcurrency
// invocations at once, and a function with reserved concurrency at most
// that many; past either, Invoke fails with TooManyRequestsException
// ("Rate Exceeded.", Reason ReservedFunctionConcurrentInvocationLimitExceeded
// or ConcurrentInvocationLimitExceeded). Idle sandboxes stop after
// Config.IdleTimeout. A sandbox that outlives its invocation's timeout is
// killed and the invocation reports Sandbox.Timedout; a process that exits
// mid-invocation reports Runtime.ExitError; a missing or unusable
// bootstrap reports Runtime.InvalidEntrypoint (AWS accepts such a package
// at CreateFunction and fails at Invoke); a handler error or panic reports
// what the runtime posted to /error. Processes run in their own process
// group (a kill takes what they started) and die with Stepflow on Linux
// (PR_SET_PDEATHSIG), so kill -9 of Stepflow leaves none behind.
//
// Updating $LATEST retires its sandboxes: new invocations start processes
// on the new code while invocations in flight finish on the old one, whose
// processes then stop. Deleting a function does the same: invocations in
// flight run to their end (AWS does not abort them either) and new ones
// get ResourceNotFoundException. Close kills every process; the
// invocations it interrupts fail with ServiceException.
//
// # Logs
//
// A sandbox's stdout and stderr share one pipe. Stepflow writes a marker
// into the same pipe when it hands an invocation to the process and when
// the result comes back; since the process wrote its output before calling
// the Runtime API, the output between the markers is exactly the
// invocation's. Each invocation's log is laid out as CloudWatch shows it
// (initialization output, START, output, END, REPORT with durations, memory
// and, for a cold start, Init Duration), returned as LogResult for LogType
// Tail (its last 4 KB), kept for RecentInvocations and stored (the latest
// Config.LogsPerFunction per function) by a background writer.
//
// # Event invocations and event source mappings
//
// See async.go (durable Event queue: an accepted event is committed before
// the 202; after kill -9 every stored event runs at the next start, at
// least once) and esm.go (SQS pollers through Config.SQS).
package lambda
