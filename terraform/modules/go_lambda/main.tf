# A Go Lambda function built from tasks/<name> (a zip holding `bootstrap`,
# made by `stepflow build-tasks`), with its own role and log group.

variable "name" {
  type        = string
  description = "Function name (also the role's and log group's)."
}
variable "zip" {
  type        = string
  description = "Path of the deployment package built by `stepflow build-tasks`."
}
variable "environment" {
  type    = map(string)
  default = {}
}
variable "timeout" {
  type    = number
  default = 10
}
variable "memory_size" {
  type    = number
  default = 128
}
variable "policy_statements" {
  type        = any
  default     = []
  description = "IAM policy statements the function needs (least privilege)."
}
variable "log_retention_days" {
  type    = number
  default = 14
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_iam_role" "this" {
  name = "${var.name}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "this" {
  count = length(var.policy_statements) > 0 ? 1 : 0
  name  = "${var.name}-access"
  role  = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = var.policy_statements
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  function_name    = var.name
  role             = aws_iam_role.this.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  filename         = var.zip
  source_code_hash = filebase64sha256(var.zip)
  timeout          = var.timeout
  memory_size      = var.memory_size
  environment {
    variables = var.environment
  }
  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy_attachment.logs]
}

output "arn" {
  value = aws_lambda_function.this.arn
}
output "name" {
  value = aws_lambda_function.this.function_name
}
output "invoke_arn" {
  value = aws_lambda_function.this.invoke_arn
}
output "role_name" {
  value = aws_iam_role.this.name
}
