terraform {
  # stepflow up keeps the state beside Stepflow's data (-backend-config=path=…),
  # so the two never disagree; by hand it is terraform.tfstate here.
  backend "local" {}
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}
