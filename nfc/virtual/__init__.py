"""The virtual CCCD: an in-process card for tests, demos and the pcscd/vpcd self-test."""
