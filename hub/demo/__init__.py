"""The demo story: the article's six mechanisms told as one year of events."""
