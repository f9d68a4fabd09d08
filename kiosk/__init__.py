"""The check-in job: flow, insurance and HIS clients, store, tickets, config, self-test, CLI, local API."""
