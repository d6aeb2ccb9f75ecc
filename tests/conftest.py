"""Shared test set-up: Qt offscreen before anything imports it; shared fixtures."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.fixtures.sandbox"]
