pytest_plugins = ["pmo_common.testing.plugin"]
