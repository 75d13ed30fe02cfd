"""Pure domain: no AWS, OpenAI or Slack imports, no environment reads."""
