"""Outlet siting scenarios (dispatcher): where the next outlets should go."""
