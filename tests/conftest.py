"""Cross-package tests: everything installed (nox session ``tests(package='integration')``)."""
