// Package e2e holds the end-to-end tests of Stepflow: they build the real
// stepflow binary once, run `stepflow serve` as a subprocess on a free
// loopback port with its own data folder, and drive it over HTTP the way
// clients do (raw awsJson1_0 requests and the AWS CLI). They cover what
// only a real process shows: SIGKILL at random moments and recovery with
// exactly the crash-free history, graceful shutdown on SIGTERM, SigV4
// verification against the AWS CLI, and refusal of bad requests without a
// change to the store.
//
// The package has no code of its own; everything is in its tests.
package e2e
