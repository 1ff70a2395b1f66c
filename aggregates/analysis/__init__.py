"""Questions asked of plans: coverage of a site, plans compared, trade-offs over many solves."""
