"""The connection-profile dialogs: welcome, profiles, keyring choice."""
