"""Getting the card to talk: access keys, BAC and PACE."""
