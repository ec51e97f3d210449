# Tables, queues, the bucket and the e-mail identity of the reference app.

resource "aws_dynamodb_table" "orders" {
  name         = "${var.prefix}-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"
  attribute {
    name = "orderId"
    type = "S"
  }
}

resource "aws_dynamodb_table" "inventory" {
  name         = "${var.prefix}-inventory"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "sku"
  attribute {
    name = "sku"
    type = "S"
  }
}

resource "aws_dynamodb_table" "reservations" {
  name         = "${var.prefix}-reservations"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"
  attribute {
    name = "orderId"
    type = "S"
  }
}

resource "aws_dynamodb_table" "payments" {
  name         = "${var.prefix}-payments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "orderId"
  attribute {
    name = "orderId"
    type = "S"
  }
}

resource "aws_dynamodb_table" "approvals" {
  count        = var.approvals_url == "" ? 1 : 0
  name         = "${var.prefix}-approvals"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }
}

# The sample catalogue.
locals {
  catalogue = {
    "apple"    = { name = "Apple", price = "0.50", stock = 1000 }
    "bread"    = { name = "Bread", price = "2.20", stock = 200 }
    "coffee"   = { name = "Coffee beans 1 kg", price = "18.00", stock = 100 }
    "espresso" = { name = "Espresso machine", price = "649.00", stock = 10 }
    "mug"      = { name = "Mug", price = "8.50", stock = 300 }
  }
}

resource "aws_dynamodb_table_item" "catalogue" {
  for_each   = local.catalogue
  table_name = aws_dynamodb_table.inventory.name
  hash_key   = aws_dynamodb_table.inventory.hash_key
  item = jsonencode({
    sku   = { S = each.key }
    name  = { S = each.value.name }
    price = { N = each.value.price }
    stock = { N = tostring(each.value.stock) }
  })
  lifecycle {
    # Stock changes as orders are placed; Terraform seeds it once.
    ignore_changes = [item]
  }
}

resource "aws_sqs_queue" "fulfilment_dlq" {
  name = "${var.prefix}-fulfilment-dlq"
}

resource "aws_sqs_queue" "fulfilment" {
  name = "${var.prefix}-fulfilment"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.fulfilment_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "etl_results" {
  name = "${var.prefix}-etl-results"
}

resource "aws_sesv2_email_identity" "sender" {
  email_identity = var.from_email
}

resource "aws_s3_bucket" "etl" {
  bucket        = "${var.prefix}-etl"
  force_destroy = true
}

resource "aws_s3_object" "sample" {
  for_each = fileset("${path.module}/sample", "*/*")
  bucket   = aws_s3_bucket.etl.id
  key      = "input/${each.value}"
  source   = "${path.module}/sample/${each.value}"
  etag     = filemd5("${path.module}/sample/${each.value}")
}
