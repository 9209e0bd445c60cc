from pmo_common.migrations import run_env

from pmo_risk.main import SPEC

run_env(SPEC.metadata)
