"""`make bench`: the platform's speed, always as a ratio to a floor measured in the same run."""
