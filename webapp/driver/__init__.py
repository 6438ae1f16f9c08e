"""The driver's phone: today's route, navigation, weighing and skipping, offline queue."""
