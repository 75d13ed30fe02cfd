"""What the webhook does with a verified, parsed Slack request, one module per thing a member
does: `modal` (the shortcut), `command` (/emoji), `submission` (the create form), `choice` (a
candidates button), `home` (the Home tab and its buttons), `settings` (the admin's form).
`routes` picks one. Each takes typed payloads (`domain.slack_payloads`) and `Ports`."""
