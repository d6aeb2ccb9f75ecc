"""Impilo Desk: a desktop console, a relay and a sandbox for Impilo webhooks."""

__version__ = "0.1.0"
