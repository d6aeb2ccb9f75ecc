"""The Webhooks tab: list, create, change and delete webhooks."""
