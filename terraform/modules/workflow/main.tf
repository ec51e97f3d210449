# A Step Functions state machine with its least-privilege role and log
# group: the role may invoke only the functions, queues, tables, buckets
# and e-mail identities given here.

variable "name" {
  type = string
}
variable "definition" {
  type        = string
  description = "The ASL definition (JSON), placeholders already filled in."
}
variable "type" {
  type    = string
  default = "STANDARD"
}
variable "lambda_arns" {
  type    = list(string)
  default = []
}
variable "queue_arns" {
  type    = list(string)
  default = []
}
variable "table_arns" {
  type    = list(string)
  default = []
}
variable "bucket_arns" {
  type    = list(string)
  default = []
}
variable "ses_identity_arns" {
  type    = list(string)
  default = []
}
variable "start_execution_arns" {
  type        = list(string)
  default     = []
  description = "State machines this one may start (Distributed Map children included)."
}
variable "log_level" {
  type    = string
  default = "ERROR"
}
variable "log_retention_days" {
  type    = number
  default = 14
}
variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  statements = concat(
    length(var.lambda_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = concat(var.lambda_arns, [for a in var.lambda_arns : "${a}:*"])
    }],
    length(var.queue_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = var.queue_arns
    }],
    length(var.table_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
      Resource = var.table_arns
    }],
    length(var.bucket_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
      Resource = concat(var.bucket_arns, [for b in var.bucket_arns : "${b}/*"])
    }],
    length(var.ses_identity_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["ses:SendEmail"]
      Resource = var.ses_identity_arns
    }],
    length(var.start_execution_arns) == 0 ? [] : [{
      Effect   = "Allow"
      Action   = ["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]
      Resource = var.start_execution_arns
    }],
    [{
      Effect = "Allow"
      Action = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
      Resource = "*"
    }],
  )
}

resource "aws_iam_role" "this" {
  name = "${var.name}-sfn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  name       = var.name
  role_arn   = aws_iam_role.this.arn
  definition = var.definition
  type       = var.type
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = true
    level                  = var.log_level
  }
  tags       = var.tags
  depends_on = [aws_iam_role_policy.this]
}

output "arn" {
  value = aws_sfn_state_machine.this.arn
}
output "name" {
  value = aws_sfn_state_machine.this.name
}
output "role_arn" {
  value = aws_iam_role.this.arn
}
