"""The demonstration-enterprise dashboard (dispatcher, admin; regulators see the battery
part): the indicators of :mod:`webapp.metrics` with charts, the records behind every
figure, the application report downloads, and the factor and rate tables."""
