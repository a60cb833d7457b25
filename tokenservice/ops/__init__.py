"""Running an instance: init, the pre-flight checks before serving, backups."""
