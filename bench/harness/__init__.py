"""The benchmark driver's parts: servers, /proc sampling, the generator, scenarios, the report."""
