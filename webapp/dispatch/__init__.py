"""The dispatch board: plan a day's collection routes, accept them, hand them to drivers."""
