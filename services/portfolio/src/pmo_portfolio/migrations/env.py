from pmo_common.migrations import run_env

from pmo_portfolio.models import metadata

run_env(metadata)
