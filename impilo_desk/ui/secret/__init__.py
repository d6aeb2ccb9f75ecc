"""The Secret tab: the account's webhook secret, on Impilo and in the keyring."""
