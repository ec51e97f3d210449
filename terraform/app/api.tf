# The HTTP API API clients use: POST /orders starts an order (the execution
# is named after the order id, so a retried request does not start a
# second one) and GET /orders/{id} reads its status.

resource "aws_apigatewayv2_api" "shop" {
  name          = "${var.prefix}-shop"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.shop.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_iam_role" "api" {
  name = "${var.prefix}-api"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "apigateway.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "api" {
  name = "start-orders"
  role = aws_iam_role.api.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["states:StartExecution"], Resource = [module.order_processing.arn] }]
  })
}

resource "aws_apigatewayv2_integration" "start_order" {
  api_id              = aws_apigatewayv2_api.shop.id
  integration_type    = "AWS_PROXY"
  integration_subtype = "StepFunctions-StartExecution"
  credentials_arn     = aws_iam_role.api.arn
  request_parameters = {
    StateMachineArn = module.order_processing.arn
    Name            = "$request.body.orderId"
    Input           = "$request.body"
  }
  payload_format_version = "1.0"
}

resource "aws_apigatewayv2_route" "post_order" {
  api_id    = aws_apigatewayv2_api.shop.id
  route_key = "POST /orders"
  target    = "integrations/${aws_apigatewayv2_integration.start_order.id}"
}

resource "aws_apigatewayv2_integration" "get_order" {
  api_id                 = aws_apigatewayv2_api.shop.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.get_order.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "get_order" {
  api_id    = aws_apigatewayv2_api.shop.id
  route_key = "GET /orders/{id}"
  target    = "integrations/${aws_apigatewayv2_integration.get_order.id}"
}

resource "aws_lambda_permission" "get_order" {
  statement_id  = "api-get-order"
  action        = "lambda:InvokeFunction"
  function_name = module.get_order.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.shop.execution_arn}/*/*"
}

# On AWS the stack serves its own approval links (Stepflow has them built in).
resource "aws_apigatewayv2_integration" "approvals" {
  count                  = var.approvals_url == "" ? 1 : 0
  api_id                 = aws_apigatewayv2_api.shop.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.approval_api[0].invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "approvals" {
  for_each  = var.approvals_url == "" ? toset(["POST /approvals", "GET /approvals/{id}", "POST /approvals/{id}"]) : toset([])
  api_id    = aws_apigatewayv2_api.shop.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.approvals[0].id}"
}

resource "aws_lambda_permission" "approvals" {
  count         = var.approvals_url == "" ? 1 : 0
  statement_id  = "api-approvals"
  action        = "lambda:InvokeFunction"
  function_name = module.approval_api[0].name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.shop.execution_arn}/*/*"
}
