"""Emoji Smith: turn a Slack message into a custom emoji."""
