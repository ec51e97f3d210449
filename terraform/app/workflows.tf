# The two state machines, from statemachines/*.asl.json with their
# placeholders filled in.

module "order_processing" {
  source = "../modules/workflow"
  name   = "${var.prefix}-order-processing"
  definition = templatefile("${path.module}/../../statemachines/order_processing.asl.json", {
    validate_order_arn        = module.validate_order.arn
    reserve_inventory_arn     = module.reserve_inventory.arn
    authorise_payment_arn     = module.authorise_payment.arn
    release_inventory_arn     = module.release_inventory.arn
    refund_payment_arn        = module.refund_payment.arn
    send_approval_request_arn = module.send_approval_request.arn
    orders_table              = aws_dynamodb_table.orders.name
    fulfilment_queue_url      = aws_sqs_queue.fulfilment.url
    from_email                = var.from_email
    approval_threshold        = var.approval_threshold
    approval_timeout_seconds  = var.approval_timeout_seconds
  })
  lambda_arns = [module.validate_order.arn, module.reserve_inventory.arn, module.authorise_payment.arn,
  module.release_inventory.arn, module.refund_payment.arn, module.send_approval_request.arn]
  queue_arns        = [aws_sqs_queue.fulfilment.arn]
  table_arns        = [aws_dynamodb_table.orders.arn]
  ses_identity_arns = [aws_sesv2_email_identity.sender.arn]
}

module "batch_etl" {
  source = "../modules/workflow"
  name   = "${var.prefix}-batch-etl"
  definition = templatefile("${path.module}/../../statemachines/batch_etl.asl.json", {
    bucket            = aws_s3_bucket.etl.id
    etl_transform_arn = module.etl_transform.arn
    etl_summarise_arn = module.etl_summarise.arn
    from_email        = var.from_email
    report_email      = var.report_email
    results_queue_url = aws_sqs_queue.etl_results.url
  })
  lambda_arns       = [module.etl_transform.arn, module.etl_summarise.arn]
  queue_arns        = [aws_sqs_queue.etl_results.arn]
  bucket_arns       = [aws_s3_bucket.etl.arn]
  ses_identity_arns = [aws_sesv2_email_identity.sender.arn]
  # A Distributed Map starts child executions of its own state machine.
  start_execution_arns = ["arn:aws:states:*:*:stateMachine:${var.prefix}-batch-etl"]
}

# The nightly schedule that starts the ETL.
resource "aws_iam_role" "scheduler" {
  name = "${var.prefix}-scheduler"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "scheduler.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "scheduler" {
  name = "start-batch-etl"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["states:StartExecution"], Resource = [module.batch_etl.arn] }]
  })
}

resource "aws_scheduler_schedule" "nightly_etl" {
  name                         = "${var.prefix}-nightly-etl"
  schedule_expression          = var.etl_schedule
  schedule_expression_timezone = var.etl_timezone
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = module.batch_etl.arn
    role_arn = aws_iam_role.scheduler.arn
    input = jsonencode(merge({ scheduledTime = "<aws.scheduler.scheduled-time>" },
    var.etl_date == "" ? {} : { date = var.etl_date }))
    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }
}
