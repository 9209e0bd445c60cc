from pmo_common.migrations import run_env

from pmo_resource.main import SPEC

run_env(SPEC.metadata)
