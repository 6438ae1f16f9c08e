"""Background jobs: the Job row, its handlers, and the page that polls it."""
