"""Qt-free async services: credentials (OS keyring) and connection profiles."""
