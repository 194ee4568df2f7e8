"""The no-deal model: parameters, value expressions, distributions, conflict, credibility, spoilers, influence."""  # noqa: E501
