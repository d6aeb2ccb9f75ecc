"""Qt-free services of the desktop app: credentials, profiles, relay subscriber, stores, export."""
