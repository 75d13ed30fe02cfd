"""Build tooling for the Lambda packages (run by `sam build`, not deployed code)."""
