# The reference application on Stepflow: the AWS provider with every
# endpoint pointed at one Stepflow server. `stepflow up` applies this with
# the offline provider mirror; by hand:
#   stepflow build-tasks && stepflow serve &
#   TF_CLI_CONFIG_FILE=<a CLI config with the mirror> terraform -chdir=terraform/local init
#   terraform -chdir=terraform/local apply -var tasks_dir=$PWD/build/tasks

variable "endpoint" {
  type        = string
  default     = "http://127.0.0.1:8083"
  description = "The Stepflow server's URL."
}
variable "tasks_dir" {
  type = string
}
variable "prefix" {
  type    = string
  default = "stepflow-demo"
}
variable "approval_timeout_seconds" {
  type    = number
  default = 86400
}
variable "etl_schedule" {
  type    = string
  default = "cron(30 2 * * ? *)"
}
variable "etl_date" {
  type    = string
  default = ""
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "stepflow"
  secret_key                  = "stepflow"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {
    apigatewayv2   = var.endpoint
    cloudwatchlogs = var.endpoint
    dynamodb       = var.endpoint
    eventbridge    = var.endpoint
    iam            = var.endpoint
    lambda         = var.endpoint
    s3             = var.endpoint
    scheduler      = var.endpoint
    ses            = var.endpoint
    sesv2          = var.endpoint
    sfn            = var.endpoint
    sqs            = var.endpoint
    sts            = var.endpoint
  }
}

module "app" {
  source    = "../app"
  prefix    = var.prefix
  tasks_dir = var.tasks_dir
  # Stepflow serves approval links itself.
  approvals_url            = "${var.endpoint}/approvals"
  approval_timeout_seconds = var.approval_timeout_seconds
  etl_schedule             = var.etl_schedule
  etl_date                 = var.etl_date
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
output "fulfilment_queue_url" {
  value = module.app.fulfilment_queue_url
}
output "etl_results_queue_url" {
  value = module.app.etl_results_queue_url
}
output "orders_table" {
  value = module.app.orders_table
}
output "inventory_table" {
  value = module.app.inventory_table
}
output "schedule" {
  value = module.app.schedule
}
