"""faxbox: the fax appliance firmware (MicroPython application package)."""
