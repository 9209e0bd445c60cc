from pmo_common.migrations import run_env

from pmo_resource import models  # noqa: F401 - every table in the metadata
from pmo_resource.db import Base

run_env(Base.metadata)
