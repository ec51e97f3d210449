variable "prefix" {
  type        = string
  default     = "stepflow-demo"
  description = "Prefix of every resource name, so several stacks can share an account."
}
variable "tasks_dir" {
  type        = string
  description = "Folder of the task zips built by `stepflow build-tasks` (one <name>.zip per tasks/<name>)."
}
variable "from_email" {
  type        = string
  default     = "shop@example.com"
  description = "Sender of every e-mail; an SES identity is created for it."
}
variable "approver_email" {
  type    = string
  default = "approver@example.com"
}
variable "report_email" {
  type    = string
  default = "reports@example.com"
}
variable "approval_threshold" {
  type        = number
  default     = 500
  description = "Orders of this total (EUR) or more need a person's approval."
}
variable "approval_timeout_seconds" {
  type        = number
  default     = 86400
  description = "How long an approval request waits before the order is rejected."
}
variable "approvals_url" {
  type        = string
  default     = ""
  description = "An approval-link service (POST /approvals). Empty: the stack deploys its own (the approval_api function behind the HTTP API), as on AWS; Stepflow has one built in."
}
variable "etl_schedule" {
  type        = string
  default     = "cron(30 2 * * ? *)"
  description = "When the nightly batch ETL runs (EventBridge Scheduler expression)."
}
variable "etl_timezone" {
  type    = string
  default = "Europe/Berlin"
}
variable "sample_date" {
  type        = string
  default     = "2026-11-29"
  description = "The date of the sample input data uploaded for the ETL."
}
variable "approval_secret" {
  type        = string
  default     = "change-me-in-production-0123456789abcdef"
  sensitive   = true
  description = "HMAC key of the approval links signed by approval_api (AWS deployments)."
}
variable "etl_date" {
  type        = string
  default     = ""
  description = "When set, scheduled ETL runs process this date instead of the day of the schedule (demos and tests)."
}
