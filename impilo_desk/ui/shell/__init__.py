"""The window shell: main window, status bar, environment banner and session controller."""
