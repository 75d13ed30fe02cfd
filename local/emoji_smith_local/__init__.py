"""The local runtime and the `emoji-smith` CLI. Not deployed: Lambda gets `functions/` only."""
