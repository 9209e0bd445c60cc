from pmo_common.migrations import run_env

from pmo_reporting.models import metadata

run_env(metadata)
