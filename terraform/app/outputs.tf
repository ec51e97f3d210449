output "api_url" {
  description = "Base URL of the shop's HTTP API (POST orders to <api_url>orders)."
  value       = "${aws_apigatewayv2_api.shop.api_endpoint}/"
}
output "order_processing_arn" {
  value = module.order_processing.arn
}
output "batch_etl_arn" {
  value = module.batch_etl.arn
}
output "etl_bucket" {
  value = aws_s3_bucket.etl.id
}
output "fulfilment_queue_url" {
  value = aws_sqs_queue.fulfilment.url
}
output "etl_results_queue_url" {
  value = aws_sqs_queue.etl_results.url
}
output "orders_table" {
  value = aws_dynamodb_table.orders.name
}
output "inventory_table" {
  value = aws_dynamodb_table.inventory.name
}
output "schedule" {
  value = "${aws_scheduler_schedule.nightly_etl.name}: ${var.etl_schedule} (${var.etl_timezone})"
}
