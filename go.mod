module github.com/stepflow/stepflow

go 1.26
