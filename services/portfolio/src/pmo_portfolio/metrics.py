"""The portfolio service's domain metrics (contract §6 leaves them to each service)."""

from prometheus_client import Histogram

SOLVE_SECONDS = Histogram(
    "pmo_portfolio_solve_seconds",
    "Time to solve a selection (a scenario, or a whole efficient frontier).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
