"""Qt-free async services of the desktop: credentials, profiles, relay subscriber, event store."""
