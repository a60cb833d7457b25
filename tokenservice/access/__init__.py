"""Who may act, and how often: officials' accounts, API tokens, enrolment links, rate limits."""
