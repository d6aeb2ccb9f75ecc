"""The desktop's Qt parts (PySide6 only): one package per tab, the shell, profiles, a kit."""
