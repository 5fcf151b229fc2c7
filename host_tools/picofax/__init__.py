"""picofax host tools: the laptop side of the fax appliance."""
