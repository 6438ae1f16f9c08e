"""The fleet: drivers, vehicles, depots and facilities, shifts and days out of service."""
