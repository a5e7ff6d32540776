"""One module per log family; ``registry`` lists them for detection."""
