"""The Logs tab: the paged delivery log, its filters, payloads, export and resend."""
