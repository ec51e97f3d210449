# The Go Lambdas of tasks/, each with the access it needs and nothing more.

locals {
  tables = {
    ORDERS_TABLE       = aws_dynamodb_table.orders.name
    INVENTORY_TABLE    = aws_dynamodb_table.inventory.name
    RESERVATIONS_TABLE = aws_dynamodb_table.reservations.name
    PAYMENTS_TABLE     = aws_dynamodb_table.payments.name
  }
  approvals_url = var.approvals_url != "" ? var.approvals_url : "${aws_apigatewayv2_api.shop.api_endpoint}/approvals"
}

module "validate_order" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-validate-order"
  zip         = "${var.tasks_dir}/validate_order.zip"
  environment = { INVENTORY_TABLE = aws_dynamodb_table.inventory.name }
  policy_statements = [{
    Effect = "Allow", Action = ["dynamodb:BatchGetItem", "dynamodb:GetItem"], Resource = [aws_dynamodb_table.inventory.arn]
  }]
}

module "reserve_inventory" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-reserve-inventory"
  zip         = "${var.tasks_dir}/reserve_inventory.zip"
  environment = local.tables
  policy_statements = [{
    Effect   = "Allow", Action = ["dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"]
    Resource = [aws_dynamodb_table.inventory.arn, aws_dynamodb_table.reservations.arn]
  }]
}

module "authorise_payment" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-authorise-payment"
  zip         = "${var.tasks_dir}/authorise_payment.zip"
  environment = merge(local.tables, { RISK_THRESHOLD = "1000" })
  policy_statements = [{
    Effect = "Allow", Action = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"], Resource = [aws_dynamodb_table.payments.arn]
  }]
}

module "release_inventory" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-release-inventory"
  zip         = "${var.tasks_dir}/release_inventory.zip"
  environment = local.tables
  policy_statements = [{
    Effect   = "Allow", Action = ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem"]
    Resource = [aws_dynamodb_table.inventory.arn, aws_dynamodb_table.reservations.arn]
  }]
}

module "refund_payment" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-refund-payment"
  zip         = "${var.tasks_dir}/refund_payment.zip"
  environment = local.tables
  policy_statements = [{
    Effect = "Allow", Action = ["dynamodb:UpdateItem", "dynamodb:GetItem"], Resource = [aws_dynamodb_table.payments.arn]
  }]
}

module "send_approval_request" {
  source = "../modules/go_lambda"
  name   = "${var.prefix}-send-approval-request"
  zip    = "${var.tasks_dir}/send_approval_request.zip"
  environment = {
    APPROVALS_URL  = local.approvals_url
    FROM_EMAIL     = var.from_email
    APPROVER_EMAIL = var.approver_email
  }
  policy_statements = [
    { Effect = "Allow", Action = ["ses:SendEmail"], Resource = [aws_sesv2_email_identity.sender.arn] },
    { Effect = "Allow", Action = ["execute-api:Invoke"], Resource = ["*"] },
  ]
}

module "get_order" {
  source            = "../modules/go_lambda"
  name              = "${var.prefix}-get-order"
  zip               = "${var.tasks_dir}/get_order.zip"
  environment       = { ORDERS_TABLE = aws_dynamodb_table.orders.name }
  policy_statements = [{ Effect = "Allow", Action = ["dynamodb:GetItem"], Resource = [aws_dynamodb_table.orders.arn] }]
}

module "approval_api" {
  count  = var.approvals_url == "" ? 1 : 0
  source = "../modules/go_lambda"
  name   = "${var.prefix}-approval-api"
  zip    = "${var.tasks_dir}/approval_api.zip"
  environment = {
    APPROVALS_TABLE = aws_dynamodb_table.approvals[0].name
    APPROVAL_SECRET = var.approval_secret
  }
  policy_statements = [
    { Effect = "Allow", Action = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"], Resource = [aws_dynamodb_table.approvals[0].arn] },
    { Effect = "Allow", Action = ["states:SendTaskSuccess", "states:SendTaskFailure"], Resource = [module.order_processing.arn] },
  ]
}

module "etl_transform" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-etl-transform"
  zip         = "${var.tasks_dir}/etl_transform.zip"
  timeout     = 60
  memory_size = 256
}

module "etl_summarise" {
  source      = "../modules/go_lambda"
  name        = "${var.prefix}-etl-summarise"
  zip         = "${var.tasks_dir}/etl_summarise.zip"
  timeout     = 60
  memory_size = 256
  policy_statements = [{
    Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], Resource = [aws_s3_bucket.etl.arn, "${aws_s3_bucket.etl.arn}/*"]
  }]
}
