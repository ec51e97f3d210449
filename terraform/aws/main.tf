# The same reference application on AWS: your usual AWS credentials and
# region. `stepflow deploy --target aws` runs this; by hand:
#   stepflow build-tasks
#   terraform -chdir=terraform/aws init
#   terraform -chdir=terraform/aws apply -var tasks_dir=$PWD/build/tasks -var from_email=you@example.com ...
# SES starts in its sandbox on a new account: verify the sender and the
# recipients (approver, customers) or request production access.

variable "region" {
  type    = string
  default = "eu-central-1"
}
variable "tasks_dir" {
  type = string
}
variable "prefix" {
  type    = string
  default = "stepflow-demo"
}
variable "from_email" {
  type        = string
  description = "A sender address you can verify in SES."
}
variable "approver_email" {
  type = string
}
variable "report_email" {
  type = string
}
variable "approval_secret" {
  type      = string
  sensitive = true
}

provider "aws" {
  region = var.region
}

module "app" {
  source          = "../app"
  prefix          = var.prefix
  tasks_dir       = var.tasks_dir
  from_email      = var.from_email
  approver_email  = var.approver_email
  report_email    = var.report_email
  approval_secret = var.approval_secret
}

output "api_url" {
  value = module.app.api_url
}
output "order_processing_arn" {
  value = module.app.order_processing_arn
}
output "batch_etl_arn" {
  value = module.app.batch_etl_arn
}
output "etl_bucket" {
  value = module.app.etl_bucket
}
