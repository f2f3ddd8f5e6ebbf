"""Traffic generator for the sample services, with failure scenarios."""
