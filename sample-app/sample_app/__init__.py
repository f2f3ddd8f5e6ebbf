"""Sample services for the Reliability Control Plane demo stack (sample-app and payments)."""
