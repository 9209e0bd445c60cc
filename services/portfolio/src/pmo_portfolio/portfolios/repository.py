from __future__ import annotations

from pmo_common.http import Repository

from pmo_portfolio.portfolios.models import Portfolio

# Oldest first: a stable order while portfolios are added.
repository = Repository(Portfolio, [(Portfolio.created_at, False), (Portfolio.id, False)])
get = repository.get
list_page = repository.list_page
