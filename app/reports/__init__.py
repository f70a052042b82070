"""Reports made from a profile: the LSCB dataset, risk over time, the MASE pack."""
