# Drivers for the line interface and codec parts of the real boards (rp2). Each takes
# its bus and pins through the constructor, so tests drive it with fake buses.
